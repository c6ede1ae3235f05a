import { randomUUID } from 'node:crypto';
import { ROUTES } from '../../../infra/constructs/token-api.js';
import { readFixture } from '../fixtures.js';
import type { Json } from './cloud-assembly.js';

/**
 * An API Gateway REST proxy event (payload 1.0) as the broker's private API delivers it, built
 * from the recorded captures in `../shared/fixtures/apigateway/`: the SigV4 (`AWS_IAM`) capture
 * `rest-v1-iam-auth.json` for the identity and the request context, with what the private capture
 * `rest-v1-private-api-vpce.extract.json` shows a private API adds (`identity.vpceId`/`vpcId`, the
 * `x-amzn-vpce-*` headers, no CloudFront headers), and the API id, stage and VPC endpoint the
 * template configures. The fixtures README lists the differences this follows.
 */
export interface PrivateApiRequest {
  method: string;
  /** With an optional query string: `/v1/systemusers?org=...`. */
  path: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: unknown;
  /** The caller's STS session ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`). */
  principalArn: string | null;
  apiId: string;
  stage: string;
  vpceId: string;
  vpcId: string;
  region: string;
  /** The API owner's account. */
  accountId: string;
}

const IAM_CAPTURE = 'apigateway/rest-v1-iam-auth.json';
const PRIVATE_CAPTURE = 'apigateway/rest-v1-private-api-vpce.extract.json';
/** Headers an edge-optimized API adds and a private one does not (fixtures README). */
const NOT_ON_PRIVATE_APIS = /^(cloudfront-|via$|x-amz-cf-id$)/i;

export function privateApiEvent(request: PrivateApiRequest): Json {
  const capture = readFixture<Json>(IAM_CAPTURE);
  const privateCapture = readFixture<Json>(PRIVATE_CAPTURE).event;
  const [path = '/', query] = request.path.split('?');
  const route = routeOf(request.method, path);
  const host = `${request.apiId}-${request.vpceId}.execute-api.${request.region}.amazonaws.com`;
  const body =
    request.body === undefined
      ? null
      : typeof request.body === 'string'
        ? request.body
        : JSON.stringify(request.body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(capture.headers ?? {})) {
    if (!NOT_ON_PRIVATE_APIS.test(name) && typeof value === 'string') headers[name] = value;
  }
  for (const [name, value] of Object.entries(privateCapture.headers ?? {})) {
    if (/^x-amzn-(vpce?-|cipher)/.test(name) && typeof value === 'string') headers[name] = value;
  }
  Object.assign(headers, {
    Host: host,
    'x-amzn-vpce-id': request.vpceId,
    'x-amzn-vpc-id': request.vpcId,
    'X-Forwarded-For': privateCapture.requestContext?.identity?.sourceIp ?? '10.0.0.1',
    ...(body !== null && typeof request.body !== 'string'
      ? { 'Content-Type': 'application/json' }
      : {}),
    ...request.headers,
  });
  const params = new URLSearchParams(query ?? '');
  const identity = { ...capture.requestContext?.identity };
  const principal = request.principalArn;
  const principalAccount = principal?.split(':')[4] ?? null;
  return {
    ...capture,
    resource: route?.path ?? path,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: query ? Object.fromEntries(params) : null,
    multiValueQueryStringParameters: query
      ? Object.fromEntries([...new Set(params.keys())].map((key) => [key, params.getAll(key)]))
      : null,
    pathParameters: route ? pathParameters(route.path, path) : null,
    body,
    isBase64Encoded: false,
    requestContext: {
      ...capture.requestContext,
      resourcePath: route?.path ?? path,
      httpMethod: request.method,
      path: `/${request.stage}${path}`,
      accountId: request.accountId,
      stage: request.stage,
      apiId: request.apiId,
      domainName: host,
      domainPrefix: `${request.apiId}-${request.vpceId}`,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      identity: {
        ...identity,
        userArn: principal,
        accountId: principalAccount,
        caller: principal ? `AROAEXAMPLEROLEID:${principal.split('/').pop()}` : null,
        user: principal ? `AROAEXAMPLEROLEID:${principal.split('/').pop()}` : null,
        accessKey: principal ? 'ASIAEXAMPLEACCESSKEY' : null,
        sourceIp: privateCapture.requestContext?.identity?.sourceIp ?? '10.0.0.1',
        vpceId: request.vpceId,
        vpcId: request.vpcId,
      },
    },
  };
}

/** The API's route for a request, as API Gateway matches it (infra's `ROUTES`). */
function routeOf(method: string, path: string) {
  return ROUTES.find(
    (route) =>
      route.method === method &&
      new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
}

function pathParameters(template: string, path: string): Record<string, string> | null {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
  if (names.length === 0) return null;
  const values = new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`).exec(path);
  return Object.fromEntries(
    names.map((name, i) => [name, decodeURIComponent(values?.[i + 1] ?? '')]),
  );
}
