import { afterEach, beforeEach, vi } from 'vitest';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import { TokenFetcher } from '../../shared/app/token-fetcher.js';
import type { CachedToken } from '../../shared/domain/cache-policy.js';
import {
  type AuthorizationServer,
  type TokenEndpointResponse,
  UpstreamError,
  type UpstreamFailure,
} from '../../shared/ports/authorization-server.js';
import type { Deadline } from '../../shared/ports/deadline.js';
import type { GrantSigner } from '../../shared/ports/grant-signer.js';
import type { LeaseRequest, PutOptions, SharedTokenCache } from '../../shared/ports/token-cache.js';
import { RecordingLogger } from './recording-logger.js';

/**
 * In-process stand-ins for the ports, for unit tests of the use cases on a virtual clock
 * (`vi.useFakeTimers()`): they answer on the fake timers and give up at the deadline's signal, as
 * the real adapters do. What the real upstreams do is tested against the sandbox and dynalite.
 */

export const ISSUER = 'https://test.maskinporten.no/';

/** Where the virtual clock starts (`vi.useFakeTimers({ now: START })`), and the clock that reads it. */
export const START = 1_800_000_000_000;
export const clock = () => Date.now();

/** One scripted answer of the token endpoint. */
export type TokenStep =
  | { token: string; expiresIn?: number; afterMs?: number }
  | { fail: UpstreamFailure; afterMs?: number }
  | { hang: true };

/** A token endpoint that plays `steps` in order (the last one repeats); records each grant. */
export function scriptedMaskinporten(steps: TokenStep[]) {
  const grants: string[] = [];
  const server: AuthorizationServer = {
    metadata: async () => ({ issuer: ISSUER, token_endpoint: `${ISSUER}token` }),
    requestToken(assertion: string, deadline: Deadline): Promise<TokenEndpointResponse> {
      grants.push(assertion);
      const step = steps.length > 1 ? steps.shift() : steps[0];
      return new Promise((resolve, reject) => {
        const onAbort = () =>
          reject(new UpstreamError({ kind: 'timeout', message: 'no answer before the timeout' }));
        if (deadline.signal.aborted) return onAbort();
        deadline.signal.addEventListener('abort', onAbort, { once: true });
        if (!step || 'hang' in step) return;
        later(step.afterMs, () => {
          deadline.signal.removeEventListener('abort', onAbort);
          if ('fail' in step) reject(new UpstreamError(step.fail));
          else
            resolve({
              access_token: step.token,
              token_type: 'Bearer',
              expires_in: step.expiresIn ?? 120,
            });
        });
      });
    },
  };
  return { server, grants };
}

/**
 * A signer that answers at once (or never, when `hang` is set; or fails with what `fail` returns);
 * records each `jti`.
 */
export function fakeSigner(options: { hang?: () => boolean; fail?: () => Error | undefined } = {}) {
  const jtis: string[] = [];
  const signer: GrantSigner = {
    kid: 'test-kid',
    sign: async (claims) => {
      jtis.push(String((claims as { jti?: unknown }).jti));
      if (options.hang?.()) return new Promise<string>(() => {});
      const failure = options.fail?.();
      if (failure) throw failure;
      return `header.${jtis.length}.signature`;
    },
    publicJwk: async () => {
      throw new Error('not used');
    },
  };
  return { signer, jtis };
}

/** Runs every test of the enclosing `describe` on fake timers starting at {@link START}. */
export function useVirtualClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/**
 * A real TokenFetcher over the scripted token endpoint and the fake signer, recording metrics and
 * log lines; jitter is fixed at its middle, so backoffs are 100, 200... ms.
 */
export function virtualFetcher(
  steps: TokenStep[],
  options: { hangSigner?: () => boolean; failSigner?: () => Error | undefined } = {},
) {
  const maskinporten = scriptedMaskinporten(steps);
  const { signer, jtis } = fakeSigner({ hang: options.hangSigner, fail: options.failSigner });
  const metrics = new InMemoryMetrics();
  const logger = new RecordingLogger();
  const fetcher = new TokenFetcher({
    server: maskinporten.server,
    signer,
    clientId: 'client',
    clock,
    metrics,
    logger,
    random: () => 0.5,
  });
  return { fetcher, grants: maskinporten.grants, jtis, metrics, logger };
}

/** A 503 with a `Retry-After`. */
export const unavailable = (retryAfterMs?: number): UpstreamFailure => ({
  kind: 'http',
  status: 503,
  body: { error: 'temporarily_unavailable' },
  retryAfterMs,
});

interface Item {
  token?: CachedToken;
  leaseOwner?: string;
  leaseUntil?: number;
}

/**
 * The shared cache's contract in a map: the lease condition "(no live lease or mine) and no token
 * fresh enough", a token that never moves backwards unless replaced, release by the owner only.
 * Each call answers at once unless `delayMs` is set; a call still waiting at its deadline stops.
 */
export class MapSharedCache implements SharedTokenCache {
  readonly items = new Map<string, Item>();
  delayMs = 0;
  calls = 0;

  get(key: string, _options: { consistent?: boolean }, deadline: Deadline) {
    return this.#answer(deadline, () => this.items.get(key)?.token);
  }

  tryAcquireLease(key: string, lease: LeaseRequest, deadline: Deadline) {
    return this.#answer(deadline, () => {
      const item = this.items.get(key) ?? {};
      const free =
        item.leaseUntil === undefined ||
        item.leaseUntil < lease.now ||
        item.leaseOwner === lease.owner;
      const stale = !item.token || item.token.expiresAt < lease.freshAfter;
      if (!free || !stale) return false;
      this.items.set(key, { ...item, leaseOwner: lease.owner, leaseUntil: lease.leaseUntil });
      return true;
    });
  }

  put(key: string, token: CachedToken, options: PutOptions, deadline: Deadline) {
    return this.#answer(deadline, () => {
      const item = this.items.get(key) ?? {};
      const mine =
        options.owner === undefined || !item.leaseOwner || item.leaseOwner === options.owner;
      const forward = options.replace || !item.token || item.token.expiresAt <= token.expiresAt;
      if (mine && forward) {
        this.items.set(key, options.owner === undefined ? { ...item, token } : { token });
      } else if (options.owner !== undefined && item.leaseOwner === options.owner) {
        this.items.set(key, { token: item.token });
      }
    });
  }

  releaseLease(key: string, owner: string, deadline: Deadline) {
    return this.#answer(deadline, () => {
      const item = this.items.get(key);
      if (item?.leaseOwner === owner) this.items.set(key, { token: item.token });
    });
  }

  /** Another process holds the lease on `key` until `leaseUntil`. */
  leaseTo(key: string, owner: string, leaseUntil: number): void {
    this.items.set(key, { ...this.items.get(key), leaseOwner: owner, leaseUntil });
  }

  #answer<T>(deadline: Deadline, answer: () => T): Promise<T> {
    this.calls++;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(deadline.signal.reason);
      deadline.signal.addEventListener('abort', onAbort, { once: true });
      later(this.delayMs, () => {
        deadline.signal.removeEventListener('abort', onAbort);
        resolve(answer());
      });
    });
  }
}

/**
 * Runs `then` after `ms` on the fake timers, or in a microtask for none: fake timers push a 0 ms
 * timer set during a tick to the next millisecond, which would move the virtual clock.
 */
function later(ms: number | undefined, then: () => void): void {
  if (ms) setTimeout(then, ms);
  else queueMicrotask(then);
}

/** Tracks a promise's outcome without awaiting it, so a test can check it between timer steps. */
export function watch<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

/**
 * Moves the virtual clock by `ms`, then lets the work that woke up run to its next timer: a woken
 * step may go through several awaits before it sets the next timer (due at once, or later).
 */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let turn = 0; turn < 10; turn++) await vi.advanceTimersByTimeAsync(0);
}
