import type { SignableRequest } from '../../client/src/request-signer.js';
import { TOKEN_SOURCE_HEADER } from '../../client/src/token-source-header.js';

/**
 * The smoke test of the private path, shared by `npm run smoke` and the scheduled canary: through
 * each base URL (one per VPC endpoint), a SigV4-signed `GET /v1/health` and a `POST /v1/token` for
 * the scope reserved for smoke tests, each classified when it fails: DNS, connection, TLS, timeout,
 * a 403 from API Gateway (resource policy or IAM) or from the broker's caller policy, a 5xx, or an
 * answer that is not what the contract says. Never reads a token beyond checking it is there.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html
 * @see https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden
 */
export interface SmokeTarget {
  /** What the report calls it: the VPC endpoint id, or the URL. */
  name: string;
  /** `https://{api-id}-{vpce-id}.execute-api.{region}.amazonaws.com/{stage}` (or a loopback URL). */
  baseUrl: string;
}

export type SmokeCheckName = 'health' | 'token';

/** Why a check failed. */
export type SmokeFailureKind =
  /** The host name does not resolve: not in a VPC that can reach the endpoint, or a wrong id. */
  | 'dns'
  /** Refused, reset or unreachable: security groups, routes, the endpoint's state. */
  | 'connection'
  | 'tls'
  | 'timeout'
  /** API Gateway refused it: the resource policy (endpoint, account) or the caller's IAM policy. */
  | 'gateway-denied'
  /** API Gateway does not know the route or the request is not signed. */
  | 'gateway-not-found'
  /** The broker refused the caller: no rule in the caller policy allows the smoke scope. */
  | 'caller-policy'
  /** A 5xx: from the broker (its error body) or from API Gateway/Lambda. */
  | 'server-error'
  /** Any other answer: a status or body the contract does not give for this request. */
  | 'unexpected'
  /** The request could not be signed (no credentials). */
  | 'signing';

export interface SmokeCheckResult {
  target: string;
  check: SmokeCheckName;
  ok: boolean;
  /** HTTP status, when there was an answer. */
  status?: number;
  kind?: SmokeFailureKind;
  /** What happened, for a person: never a token. */
  detail: string;
  ms: number;
}

export interface SmokeReport {
  ok: boolean;
  results: SmokeCheckResult[];
}

/** Signs a request for `execute-api` (the client package's `RequestSigner`). */
export interface Signer {
  sign(request: SignableRequest): Promise<Record<string, string>>;
}

export interface SmokeOptions {
  targets: readonly SmokeTarget[];
  /** The scope reserved for smoke tests (`smokeTest.scope` in infra/config.ts). */
  scope: string;
  signer: Signer;
  /** Per request. Default 10 000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch | undefined;
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Every check through every target, one after another (a canary must not burst). */
export async function runSmokeChecks(options: SmokeOptions): Promise<SmokeReport> {
  const results: SmokeCheckResult[] = [];
  for (const target of options.targets) {
    results.push(await checkHealth(target, options));
    results.push(await checkToken(target, options));
  }
  return { ok: results.every((result) => result.ok), results };
}

async function checkHealth(target: SmokeTarget, options: SmokeOptions): Promise<SmokeCheckResult> {
  return check(target, 'health', 'GET', '/v1/health', undefined, options, (answer) =>
    answer.status === 200 && answer.json?.status === 'ok'
      ? { ok: true, detail: '200 {"status":"ok"}' }
      : undefined,
  );
}

async function checkToken(target: SmokeTarget, options: SmokeOptions): Promise<SmokeCheckResult> {
  const body = JSON.stringify({ scope: options.scope });
  return check(target, 'token', 'POST', '/v1/token', body, options, (answer) => {
    if (answer.status !== 200) return undefined;
    const json = answer.json;
    const scopes = typeof json?.scope === 'string' ? json.scope.split(' ') : [];
    if (typeof json?.access_token !== 'string' || json.access_token.length === 0) {
      return { ok: false, kind: 'unexpected', detail: '200 without an access_token' };
    }
    if (!scopes.includes(options.scope)) {
      return {
        ok: false,
        kind: 'unexpected',
        detail: `200 for scope "${json.scope}", not the smoke scope`,
      };
    }
    const source = answer.headers.get(TOKEN_SOURCE_HEADER) ?? 'unknown';
    return {
      ok: true,
      detail: `200 token for ${options.scope} (expires in ${json.expires_in} s, from ${source})`,
    };
  });
}

interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: read member by member
  json: any;
}

type Verdict = { ok: boolean; kind?: SmokeFailureKind; detail: string };

async function check(
  target: SmokeTarget,
  name: SmokeCheckName,
  method: string,
  path: string,
  body: string | undefined,
  options: SmokeOptions,
  judge: (answer: Answer) => Verdict | undefined,
): Promise<SmokeCheckResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const result = (verdict: Verdict, status?: number): SmokeCheckResult => ({
    target: target.name,
    check: name,
    ok: verdict.ok,
    ...(status === undefined ? {} : { status }),
    ...(verdict.kind ? { kind: verdict.kind } : {}),
    detail: verdict.detail,
    ms: Math.round(now() - started),
  });
  const base = new URL(target.baseUrl);
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let signed: Record<string, string>;
  try {
    signed = await options.signer.sign({ method, url, headers, body: body ?? '' });
  } catch (error) {
    return result({ ok: false, kind: 'signing', detail: `could not sign: ${messageOf(error)}` });
  }
  // fetch sets Host from the URL itself, to the value just signed.
  const { host: _host, ...send } = signed;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let answer: Answer;
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method,
      headers: send,
      ...(body === undefined ? {} : { body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    answer = { status: response.status, headers: response.headers, json: parseJson(text) };
  } catch (error) {
    return result(networkFailure(error, url, timeoutMs));
  }
  return result(judge(answer) ?? classify(answer), answer.status);
}

/** What a failed fetch means: the codes Node's resolver, sockets and TLS report. */
export function networkFailure(error: unknown, url: URL, timeoutMs: number): Verdict {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { ok: false, kind: 'timeout', detail: `no answer within ${timeoutMs} ms` };
  }
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code ?? '';
  const why = `${code || messageOf(cause ?? error)}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return {
      ok: false,
      kind: 'dns',
      detail: `${url.hostname} does not resolve (${why}): run this from a VPC that reaches the endpoint, and check the API and endpoint ids`,
    };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { ok: false, kind: 'timeout', detail: `no connection within the timeout (${why})` };
  }
  if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code)) {
    return { ok: false, kind: 'tls', detail: `TLS failed (${why})` };
  }
  return {
    ok: false,
    kind: 'connection',
    detail: `could not connect to ${url.host} (${why}): the endpoint's security group must admit 443 from here`,
  };
}

/**
 * Whose answer a failure is. API Gateway marks every answer it makes itself with
 * `x-amzn-ErrorType` (its gateway responses, customised or not); the broker never sends it. The
 * bodies differ too: API Gateway's default is `{"message": ...}`, the stack's gateway responses
 * carry the fixed descriptions below, and the broker's own errors describe the request.
 */
export function classify(answer: Answer): Verdict {
  const errorType = answer.headers.get('x-amzn-errortype')?.split(':')[0];
  const error = typeof answer.json?.error === 'string' ? answer.json.error : undefined;
  const description =
    typeof answer.json?.error_description === 'string' ? answer.json.error_description : '';
  const gatewayMessage = answer.json?.message ?? answer.json?.Message;
  const fromGateway =
    errorType !== undefined ||
    (typeof gatewayMessage === 'string' && error === undefined) ||
    GATEWAY_DESCRIPTIONS.includes(description);
  const said = error ? `${error}: ${description}` : String(gatewayMessage ?? 'no error body');
  const status = answer.status;
  if (status === 403 && fromGateway) {
    if (errorType === 'MissingAuthenticationTokenException' || description === GATEWAY_NOT_FOUND) {
      return {
        ok: false,
        kind: 'gateway-not-found',
        detail: `403 from API Gateway (${errorType ?? 'missing authentication token'}): unknown route or stage, or the request is not signed (${said})`,
      };
    }
    return {
      ok: false,
      kind: 'gateway-denied',
      detail: `403 from API Gateway (${errorType ?? 'access denied'}): the API's resource policy (this VPC endpoint, this account) or the caller's IAM policy (execute-api:Invoke on this route) refused it (${said})`,
    };
  }
  if (status === 403 && error === 'access_denied') {
    return {
      ok: false,
      kind: 'caller-policy',
      detail: `403 from the broker's caller policy: ${description} (infra/policies and the generated rules)`,
    };
  }
  if (status >= 500) {
    const who = fromGateway ? `API Gateway${errorType ? ` (${errorType})` : ''}` : 'the broker';
    return { ok: false, kind: 'server-error', detail: `${status} from ${who}: ${said}` };
  }
  return { ok: false, kind: 'unexpected', detail: `${status} ${said}` };
}

/**
 * The descriptions of the stack's gateway responses (`GATEWAY_ANSWERS` in
 * infra/constructs/token-api.ts; a test keeps the two equal) that carry a fixed text.
 */
export const GATEWAY_NOT_FOUND =
  'unknown route, or the request is not signed with SigV4 for execute-api';
export const GATEWAY_DESCRIPTIONS: readonly string[] = [
  'this IAM principal or network path may not invoke the broker',
  GATEWAY_NOT_FOUND,
  'the body must be a JSON object of at most 16 members whose values are strings, numbers, booleans or lists of them',
  'rate limit exceeded; retry after the Retry-After seconds, with backoff',
  'the broker is at capacity or could not be invoked; retry after the Retry-After seconds, with backoff',
  'the broker did not answer in time; retry after the Retry-After seconds',
  'the request body is too large',
];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
