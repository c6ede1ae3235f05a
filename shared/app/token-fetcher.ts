import { randomUUID } from 'node:crypto';
import { type CachedToken, toCachedToken } from '../domain/cache-policy.js';
import { buildGrantClaims, type GrantClaims } from '../domain/jwt-grant.js';
import type { TokenRequest } from '../domain/token-request.js';
import {
  type AuthorizationServer,
  UpstreamError,
  type UpstreamFailure,
} from '../ports/authorization-server.js';
import type { Clock } from '../ports/clock.js';
import { type Deadline, sleep, untilAborted } from '../ports/deadline.js';
import type { GrantSigner } from '../ports/grant-signer.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetricName, BrokerMetrics } from '../ports/metrics.js';
import {
  classifyFailure,
  classifySigningFailure,
  exhaustedToBrokerError,
  isRetryable,
  rejectionToBrokerError,
  type SigningFailureClass,
  signingFailure,
} from './upstream-errors.js';

export interface TokenFetcherOptions {
  server: AuthorizationServer;
  signer: GrantSigner;
  clientId: string;
  clock: Clock;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
  /** Attempts per request, the first included (default 3). */
  maxAttempts?: number;
  /** Time for one attempt (default 2000 ms): a sub-deadline of the request's. */
  attemptTimeoutMs?: number;
  /** First backoff; doubled per attempt, with full jitter (default 200 ms). */
  backoffMs?: number;
  newJti?: () => string;
  random?: () => number;
}

const FAILURE_METRIC = {
  refused: 'MaskinportenRefused',
  grant_rejected: 'MaskinportenGrantRejected',
  unavailable: 'MaskinportenUnavailable',
  timeout: 'MaskinportenTimeouts',
} as const satisfies Record<string, BrokerMetricName>;

const SIGNING_FAILURE_METRIC = {
  throttled: 'SigningThrottled',
  denied: 'SigningDenied',
  other: 'SigningErrors',
} as const satisfies Record<SigningFailureClass, BrokerMetricName>;

/**
 * Gets one token from Maskinporten: builds and signs a grant per attempt (a `jti` is never reused),
 * retries what `isRetryable` says is worth another attempt (network, attempt timeouts, 5xx, 429,
 * unreadable answers, a 403 that is not Maskinporten's JSON) with jittered backoff, never
 * Maskinporten's own 4xx, and never past the deadline.
 */
export class TokenFetcher {
  readonly #options: Required<TokenFetcherOptions>;

  constructor(options: TokenFetcherOptions) {
    this.#options = {
      ...options,
      maxAttempts: options.maxAttempts ?? 3,
      attemptTimeoutMs: options.attemptTimeoutMs ?? 2_000,
      backoffMs: options.backoffMs ?? 200,
      newJti: options.newJti ?? randomUUID,
      random: options.random ?? Math.random,
    };
  }

  /** The signer whose `kid` is in the grants (also the cache generation). */
  get signer(): GrantSigner {
    return this.#options.signer;
  }

  /** Resolves a fresh token by `deadline`, or throws `BrokerError`. */
  async fetch(request: TokenRequest, deadline: Deadline): Promise<CachedToken> {
    const { maxAttempts, attemptTimeoutMs } = this.#options;
    let last: UpstreamFailure | undefined;
    let attempts = 0;
    while (attempts < maxAttempts) {
      if (deadline.remaining() <= 0) break;
      attempts++;
      const attempt = deadline.within(attemptTimeoutMs);
      try {
        return await this.#attempt(request, attempt);
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        last = error.failure;
        this.#countFailure(last);
        if (!isRetryable(last)) throw rejectionToBrokerError(last);
        const wait = this.#backoff(attempts, last);
        if (attempts >= maxAttempts || wait >= deadline.remaining()) break;
        await sleep(wait);
      } finally {
        attempt.dispose();
      }
    }
    const error = exhaustedToBrokerError(last, attempts);
    this.#options.logger.warn('maskinporten unavailable', { attempts, reason: error.message });
    throw error;
  }

  async #attempt(request: TokenRequest, deadline: Deadline): Promise<CachedToken> {
    const { server, clientId, clock, metrics, newJti } = this.#options;
    const { issuer } = await server.metadata(deadline);
    const claims = buildGrantClaims(request, { issuer, clientId, now: clock(), jti: newJti() });
    const assertion = await this.#sign(claims, deadline);
    const started = clock();
    metrics.count('MaskinportenCalls');
    try {
      const response = await server.requestToken(assertion, deadline);
      return toCachedToken(response, claims.scope, clock());
    } finally {
      metrics.timing('MaskinportenLatency', clock() - started);
    }
  }

  /**
   * Signs within the attempt's time: a KMS call that never returns must not outlive the deadline.
   * A success counts `Signatures`; a failure counts once, in the metric of its kind.
   */
  async #sign(claims: GrantClaims, deadline: Deadline): Promise<string> {
    const { signer, clock, metrics } = this.#options;
    const started = clock();
    try {
      const assertion = await untilAborted(signer.sign(claims, deadline), deadline.signal);
      metrics.count('Signatures');
      return assertion;
    } catch (error) {
      const timedOut = deadline.signal.aborted;
      metrics.count(SIGNING_FAILURE_METRIC[classifySigningFailure(error, timedOut)]);
      throw signingFailure(error, timedOut);
    } finally {
      metrics.timing('SigningLatency', clock() - started);
    }
  }

  #countFailure(failure: UpstreamFailure): void {
    const { metrics } = this.#options;
    metrics.count('MaskinportenErrors');
    metrics.count(FAILURE_METRIC[classifyFailure(failure)]);
  }

  #backoff(attempt: number, failure: UpstreamFailure): number {
    const { backoffMs, random } = this.#options;
    const jittered = Math.floor(random() * backoffMs * 2 ** (attempt - 1));
    const retryAfter = failure.kind === 'http' ? (failure.retryAfterMs ?? 0) : 0;
    return Math.max(jittered, retryAfter);
  }
}
