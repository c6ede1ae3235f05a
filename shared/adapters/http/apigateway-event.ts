import type { CallerIdentity } from '../../domain/caller-policy.js';
import type { ApiRequest, ApiResponse } from '../../http/api-types.js';

/** The fields of an API Gateway REST (payload v1) proxy event the broker reads. Any may be null. */
export interface ApiGatewayProxyEvent {
  httpMethod?: string | null;
  path?: string | null;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean | null;
  requestContext?: {
    requestId?: string | null;
    /** The REST API and stage the request came through. */
    apiId?: string | null;
    stage?: string | null;
    identity?: {
      userArn?: string | null;
      /** The signer's principal id: `<role unique id>:<session>` for a role session. */
      caller?: string | null;
      /** The interface endpoint a private API's request came through. */
      vpceId?: string | null;
    } | null;
  } | null;
}

export interface ApiGatewayProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

const ASSUMED_ROLE = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

/**
 * The caller as IAM authenticated it (SigV4, `AWS_IAM` authorisation). An STS session ARN
 * `arn:aws:sts::<acct>:assumed-role/<role>/<session>` is mapped to its role
 * `arn:aws:iam::<acct>:role/<role>`: policies name roles, sessions come and go. The role's path
 * is not in the session ARN, so policies match role names without paths.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export function callerFromUserArn(userArn: string | null | undefined): CallerIdentity | undefined {
  if (!userArn) return undefined;
  const match = ASSUMED_ROLE.exec(userArn);
  const id = match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : userArn;
  return { id, source: 'iam' };
}

/** A role's unique id at the start of `identity.caller` (`AROA…:<session name>`). */
const ROLE_SESSION_CALLER = /^(AROA[0-9A-Z]{16,60}):/;

/**
 * {@link callerFromUserArn}, with the role's unique id when the caller is a role session: API
 * Gateway puts `<role id>:<session>` in `identity.caller` (the recorded SigV4 capture has it in
 * `caller` and `user` alike). The id tells a role from a deleted and re-created one of the same name.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
 */
export function callerFromIdentity(
  identity: { userArn?: string | null; caller?: string | null } | null | undefined,
): CallerIdentity | undefined {
  const caller = callerFromUserArn(identity?.userArn);
  const roleId = ROLE_SESSION_CALLER.exec(identity?.caller ?? '')?.[1];
  if (caller && roleId && ASSUMED_ROLE.test(identity?.userArn ?? '')) caller.roleId = roleId;
  return caller;
}

/** Turns an API Gateway proxy event into the broker's transport-neutral request. */
export function fromApiGatewayEvent(event: ApiGatewayProxyEvent): ApiRequest {
  const request: ApiRequest = {
    method: (event.httpMethod ?? 'GET').toUpperCase(),
    path: event.path || '/',
    query: queryOf(event),
    headers: headersOf(event),
  };
  if (typeof event.body === 'string') {
    request.body = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  }
  const caller = callerFromIdentity(event.requestContext?.identity);
  if (caller) request.caller = caller;
  const requestId = event.requestContext?.requestId;
  if (requestId) request.requestId = requestId;
  return request;
}

export function toApiGatewayResult(response: ApiResponse): ApiGatewayProxyResult {
  return {
    statusCode: response.status,
    headers: response.headers,
    body: response.body,
    isBase64Encoded: false,
  };
}

/** Header names are case-insensitive; API Gateway keeps the client's casing, so fold to lower case. */
function headersOf(event: ApiGatewayProxyEvent): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (values && values.length > 0) headers[name.toLowerCase()] = values.join(', ');
  }
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined && headers[name.toLowerCase()] === undefined) {
      headers[name.toLowerCase()] = value;
    }
  }
  return headers;
}

function queryOf(event: ApiGatewayProxyEvent): URLSearchParams {
  const query = new URLSearchParams();
  const multi = event.multiValueQueryStringParameters;
  if (multi) {
    for (const [name, values] of Object.entries(multi)) {
      for (const value of values ?? []) query.append(name, value);
    }
    return query;
  }
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query.append(name, value);
  }
  return query;
}
