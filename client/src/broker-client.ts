import { type Clock, systemClock } from './clock.js';
import { resolveEndpoint, type SigningMode } from './endpoint.js';
import {
  type BrokerClientError,
  BrokerConnectionError,
  BrokerProtocolError,
  BrokerResponseError,
  BrokerSigningError,
  BrokerTimeoutError,
  type UpstreamError,
} from './errors.js';
import type { components } from './generated/openapi.js';
import { type CredentialsOption, RequestSigner } from './request-signer.js';
import { MIN_ATTEMPT_MS, parseRetryAfterMs, retryDelayMs } from './retry-policy.js';
import { type HeldToken, isReusable, jwtLifetimeSeconds, TokenCache } from './token-cache.js';
import { TOKEN_SOURCE_HEADER } from './token-source-header.js';

/** The body of `POST /v1/token`, as the broker's OpenAPI document defines it. */
export type TokenRequest = components['schemas']['TokenRequest'];
/** The broker's `200` answer to `POST /v1/token` (RFC 6749 §5.1). */
export type TokenResponse = components['schemas']['TokenResponse'];
/** The broker's `Broker-Token-Source` header: where its answer came from. */
export type TokenSource = components['schemas']['TokenSource'];
/** The broker's error body, `{"error", "error_description", ...}`. */
export type ErrorBody = components['schemas']['Error'];

/** A token from {@link BrokerClient.getToken}. Never log `accessToken`. */
export interface BrokerToken {
  readonly accessToken: string;
  /** `Bearer`. */
  readonly tokenType: string;
  /** The scopes the token carries, space-separated. */
  readonly scope: string;
  /** Epoch ms (by the client's clock) when the token expires. */
  readonly expiresAt: number;
  /** Whole seconds the token is still valid, now. */
  readonly expiresIn: number;
  /**
   * `client` when this client reused a token it held; else where the broker got it
   * (`Broker-Token-Source`), or `unknown` when the answer did not say.
   */
  readonly source: 'client' | TokenSource | 'unknown';
}

export interface BrokerClientOptions {
  /**
   * The broker's base URL: the stack output `InvokeUrlN` in AWS
   * (`https://{api-id}-{vpce-id}.execute-api.{region}.amazonaws.com/{stage}`), or
   * `http://127.0.0.1:8080` for `npm start`. `https` only, except plain `http` on loopback.
   */
  baseUrl: string | URL;
  /** SigV4 region. Default: from an `execute-api` host name, else `AWS_REGION`/`AWS_DEFAULT_REGION`. */
  region?: string;
  /**
   * Credentials to sign with. Default: the AWS SDK's default chain (environment, SSO, web identity,
   * ECS task role, EC2 instance role...), resolved on the first signed request and again five
   * minutes before they expire.
   */
  credentials?: CredentialsOption;
  /** `auto` (default): SigV4 unless the base URL is plain `http` on loopback. */
  signing?: SigningMode;
  /** Milliseconds one `getToken` may take, retries and waits included. Default 10 000. */
  deadlineMs?: number;
  /** HTTP attempts per `getToken` at most, the first included. Default 4. */
  maxAttempts?: number;
  /** Tokens held at most (least recently used out first). Default 1000. */
  maxTokens?: number;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Default: `Date.now` and `setTimeout`. */
  clock?: Clock;
  /** Uniform in [0, 1), for the jitter. Default `Math.random`. */
  random?: () => number;
}

export interface GetTokenOptions {
  /** Overrides the client's `deadlineMs` for this call (a call that joins one under way shares its deadline). */
  deadlineMs?: number;
}

/** What a client has done since it was created: the numbers a capacity model needs. */
export interface BrokerClientStats {
  /** `getToken` calls. */
  calls: number;
  /** Calls answered with a token this client held. */
  reused: number;
  /** Calls that joined an identical call already waiting for the broker. */
  coalesced: number;
  /** HTTP requests sent to the broker, retries included. */
  brokerRequests: number;
  /** Of those, retries. */
  retries: number;
}

export interface BrokerClient {
  /**
   * A token for `request`: one this client holds while it is fresh enough, else the broker's.
   * Identical concurrent calls share one broker request. Throws a {@link BrokerClientError}.
   *
   * @example A system-user token for a customer, valid for at least another minute:
   * ```ts
   * const { accessToken } = await broker.getToken({
   *   scope: ['krr:global/kontaktinformasjon.read'],
   *   org: '313725138',
   *   externalRef: 'avdeling-nord',
   *   minTtl: 60,
   * });
   * ```
   */
  getToken(request: TokenRequest, options?: GetTokenOptions): Promise<BrokerToken>;
  /**
   * Forgets the held token for `request` (all tokens without one), e.g. after the API refused it.
   *
   * @example
   * ```ts
   * if (answer.status === 401) broker.invalidate(request);
   * ```
   */
  invalidate(request?: TokenRequest): void;
  stats(): BrokerClientStats;
}

const DEFAULT_DEADLINE_MS = 10_000;
const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULT_MAX_TOKENS = 1_000;

/**
 * A client for the broker's `POST /v1/token`, for services on Lambda, ECS or EC2 (and for the local
 * server of `npm start`):
 *
 * - **Signs** each request with SigV4 for `execute-api` from the AWS default credential chain
 *   (nothing to sign with for a plain `http` loopback base).
 * - **Reuses** a token until a quarter of its lifetime (at most 30 s) is left, or less than the
 *   caller's `minTtl` (see `reuseMarginMs`).
 * - **Coalesces** identical concurrent calls into one broker request.
 * - **Retries** 429, 502, 503, 504 and network errors, honouring `Retry-After`, with jittered
 *   backoff, within the deadline; never another 4xx.
 * - **Throws** typed errors carrying the broker's `error`, `error_description`, status and
 *   Maskinporten's or Altinn's answer. It logs nothing, and never puts a token in an error.
 *
 * @example In a Lambda function or ECS task, with the function's role:
 * ```ts
 * import { createBrokerClient } from 'maskinporten-broker-client';
 *
 * const broker = createBrokerClient({ baseUrl: process.env.BROKER_URL! });
 *
 * export async function handler() {
 *   const { accessToken } = await broker.getToken({
 *     scope: 'krr:global/kontaktinformasjon.read',
 *     org: '910753614',
 *   });
 *   return fetch('https://api.example.no/...', { headers: { authorization: `Bearer ${accessToken}` } });
 * }
 * ```
 *
 * @example Against `npm start` (no signing on loopback):
 * ```ts
 * const broker = createBrokerClient({ baseUrl: 'http://127.0.0.1:8080' });
 * const token = await broker.getToken({ scope: 'krr:global/kontaktinformasjon.read', org: '910753614' });
 * ```
 */
export function createBrokerClient(options: BrokerClientOptions): BrokerClient {
  const endpoint = resolveEndpoint(options.baseUrl, {
    region: options.region,
    signing: options.signing,
  });
  const deadlineMs = positive(options.deadlineMs, DEFAULT_DEADLINE_MS, 'deadlineMs');
  const maxAttempts = positive(options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 'maxAttempts');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const signer = endpoint.region
    ? new RequestSigner({ region: endpoint.region, credentials: options.credentials })
    : undefined;
  const cache = new TokenCache(positive(options.maxTokens, DEFAULT_MAX_TOKENS, 'maxTokens'));
  const flights = new Map<string, Promise<HeldToken>>();
  const counts: BrokerClientStats = {
    calls: 0,
    reused: 0,
    coalesced: 0,
    brokerRequests: 0,
    retries: 0,
  };

  /** One HTTP exchange, bounded by what is left of the deadline. */
  async function send(body: string, timeoutMs: number, attempt: number): Promise<Answer> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    let sendHeaders = headers;
    if (signer) {
      try {
        sendHeaders = await signer.sign({ method: 'POST', url: endpoint.tokenUrl, headers, body });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new BrokerSigningError(`could not sign the request: ${reason}`, attempt - 1, {
          cause: error,
        });
      }
      // fetch sets Host from the URL itself, to the value just signed.
      delete sendHeaders['host'];
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    counts.brokerRequests++;
    try {
      const response = await fetchImpl(endpoint.tokenUrl, {
        method: 'POST',
        headers: sendHeaders,
        body,
        redirect: 'manual',
        signal: controller.signal,
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    } catch (error) {
      throw controller.signal.aborted ? new AttemptTimedOut() : error;
    } finally {
      clearTimeout(timer);
    }
  }

  async function fetchToken(request: TokenRequest, budgetMs: number): Promise<HeldToken> {
    const deadlineAt = clock.now() + budgetMs;
    const body = JSON.stringify(request);
    let last: BrokerClientError | undefined;
    for (let attempt = 1; ; attempt++) {
      const left = deadlineAt - clock.now();
      if (left <= 0) throw new BrokerTimeoutError(budgetMs, attempt - 1, causeOf(last));
      const sentAt = clock.now();
      let retryAfterMs: number | undefined;
      try {
        const answer = await send(body, left, attempt);
        if (answer.status >= 200 && answer.status < 300)
          return toHeldToken(answer, sentAt, attempt);
        const error = toResponseError(answer, attempt, clock.now());
        if (!error.retryable) throw error;
        last = error;
        retryAfterMs = parseRetryAfterMs(answer.headers.get('retry-after'), clock.now());
      } catch (error) {
        if (error instanceof AttemptTimedOut) {
          throw new BrokerTimeoutError(budgetMs, attempt, causeOf(last));
        }
        if (isClientError(error)) throw error;
        last = new BrokerConnectionError(
          `could not reach the broker: ${describe(error)}`,
          attempt,
          { cause: error },
        );
      }
      const delay = retryDelayMs(attempt, retryAfterMs, random);
      if (attempt >= maxAttempts || deadlineAt - clock.now() - delay < MIN_ATTEMPT_MS) throw last;
      counts.retries++;
      await clock.sleep(delay);
    }
  }

  return {
    async getToken(request, callOptions = {}) {
      counts.calls++;
      const minTtl = request.minTtl ?? 0;
      const key = cacheKey(request);
      if (!request.skipCache) {
        const held = cache.get(key, clock.now());
        if (held && isReusable(held, clock.now(), minTtl)) {
          counts.reused++;
          return toBrokerToken(held, 'client', clock.now());
        }
      }
      const flightKey = `${key}|${minTtl}|${request.skipCache === true}`;
      let flight = flights.get(flightKey);
      if (flight) {
        counts.coalesced++;
      } else {
        const budget = positive(callOptions.deadlineMs, deadlineMs, 'deadlineMs');
        flight = fetchToken(request, budget)
          .then((token) => {
            cache.set(key, token);
            return token;
          })
          .finally(() => flights.delete(flightKey));
        flights.set(flightKey, flight);
      }
      const token = await flight;
      return toBrokerToken(token, token.source, clock.now());
    },
    invalidate(request) {
      if (request) cache.delete(cacheKey(request));
      else cache.clear();
    },
    stats: () => ({ ...counts }),
  };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** The attempt's timer fired: the deadline is spent. */
class AttemptTimedOut extends Error {}

/**
 * Everything that changes which token the broker returns, normalised as the broker does (scopes
 * and resources as sorted sets, the `0192:` prefix dropped); not `minTtl` or `skipCache`.
 */
function cacheKey(request: TokenRequest): string {
  const scopes = typeof request.scope === 'string' ? request.scope.split(' ') : request.scope;
  const resources =
    request.resource === undefined
      ? []
      : typeof request.resource === 'string'
        ? [request.resource]
        : request.resource;
  return JSON.stringify([
    sortedSet(scopes),
    bareOrg(request.org),
    request.externalRef ?? null,
    sortedSet(resources),
    bareOrg(request.consumerOrg),
    request.exchange ?? null,
  ]);
}

function sortedSet(values: readonly string[]): string[] {
  return [...new Set(values.filter((value) => value.length > 0))].sort();
}

function bareOrg(org: string | undefined): string | null {
  return org === undefined ? null : org.replace(/^0192:/, '');
}

function toHeldToken(answer: Answer, sentAt: number, attempts: number): HeldToken {
  const body = parseJson(answer.text) as Partial<Record<keyof TokenResponse, unknown>> | undefined;
  const accessToken = body?.access_token;
  const expiresIn = body?.expires_in;
  if (
    typeof accessToken !== 'string' ||
    accessToken.length === 0 ||
    typeof expiresIn !== 'number' ||
    !Number.isFinite(expiresIn) ||
    expiresIn < 0
  ) {
    // Never quote the body: it may hold a token.
    throw new BrokerProtocolError(
      `the broker answered ${answer.status} without a token response (access_token and expires_in)`,
      attempts,
    );
  }
  return {
    accessToken,
    tokenType: typeof body?.token_type === 'string' ? body.token_type : 'Bearer',
    scope: typeof body?.scope === 'string' ? body.scope : '',
    // From when the request left: the broker counted expires_in from a later moment.
    expiresAt: sentAt + expiresIn * 1000,
    lifetime: jwtLifetimeSeconds(accessToken) ?? expiresIn,
    source: tokenSource(answer.headers.get(TOKEN_SOURCE_HEADER)),
  };
}

/** Every `Broker-Token-Source` the document allows (the compiler checks the list is complete). */
const TOKEN_SOURCES = {
  memory: true,
  shared: true,
  maskinporten: true,
  altinn: true,
  stale: true,
} as const satisfies Record<TokenSource, true>;

function tokenSource(header: string | null): TokenSource | 'unknown' {
  return header !== null && Object.hasOwn(TOKEN_SOURCES, header)
    ? (header as TokenSource)
    : 'unknown';
}

function toResponseError(answer: Answer, attempts: number, now: number): BrokerResponseError {
  const body = parseJson(answer.text) as Record<string, unknown> | undefined;
  const retryAfterMs = parseRetryAfterMs(answer.headers.get('retry-after'), now);
  const maskinportenError = upstream(body?.['maskinporten_error']);
  const altinnError = upstream(body?.['altinn_error']);
  const error = typeof body?.['error'] === 'string' ? body['error'] : undefined;
  const description = body?.['error_description'];
  return new BrokerResponseError(
    {
      status: answer.status,
      error: error ?? `http_${answer.status}`,
      errorDescription:
        typeof description === 'string'
          ? description
          : `the broker answered HTTP ${answer.status} without an error body`,
      ...(maskinportenError ? { maskinportenError } : {}),
      ...(altinnError ? { altinnError } : {}),
      ...(retryAfterMs === undefined ? {} : { retryAfter: Math.ceil(retryAfterMs / 1000) }),
    },
    attempts,
  );
}

/** Maskinporten's or Altinn's answer as the broker passed it on; only the documented members. */
function upstream(value: unknown): UpstreamError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { status, error, error_description } = value as Record<string, unknown>;
  if (typeof status !== 'number') return undefined;
  return {
    status,
    ...(typeof error === 'string' ? { error } : {}),
    ...(typeof error_description === 'string' ? { error_description } : {}),
  };
}

function toBrokerToken(token: HeldToken, source: BrokerToken['source'], now: number): BrokerToken {
  return {
    accessToken: token.accessToken,
    tokenType: token.tokenType,
    scope: token.scope,
    expiresAt: token.expiresAt,
    expiresIn: Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
    source,
  };
}

function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isClientError(error: unknown): error is BrokerClientError {
  return (
    error instanceof BrokerResponseError ||
    error instanceof BrokerProtocolError ||
    error instanceof BrokerSigningError
  );
}

function causeOf(error: BrokerClientError | undefined): ErrorOptions | undefined {
  return error ? { cause: error } : undefined;
}

/** A network failure's kind and code (`TypeError (ECONNREFUSED)`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code =
    (error.cause as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} (${code})` : error.name;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number`);
  return value;
}
