import type { components } from './generated/openapi.js';

type TokenSource = components['schemas']['TokenSource'];

/** A token the client holds, with what it needs to decide whether it may hand it out again. */
export interface HeldToken {
  accessToken: string;
  tokenType: string;
  scope: string;
  /** Epoch ms (client clock) when the token expires: request start + `expires_in`. */
  expiresAt: number;
  /** The token's whole lifetime in seconds: `exp - iat` of a JWT, else `expires_in` on arrival. */
  lifetime: number;
  /** Where the broker said it came from (`Broker-Token-Source`). */
  source: TokenSource | 'unknown';
}

/** The longest the client keeps a token back before its expiry, in seconds. */
export const MAX_REUSE_MARGIN_SECONDS = 30;
/** The share of a token's lifetime kept back before expiry when that is less than the maximum. */
export const REUSE_MARGIN_SHARE = 0.25;

/**
 * How many seconds before expiry the client stops handing out a token: a quarter of its lifetime,
 * at most 30 s (7.5 s of a 30 s token, 30 s of a 120 s or 3600 s token).
 *
 * Why: the token must outlive the call it is used for (network time and a little clock skew at the
 * API that checks it), and the broker starts renewing a token once less than its refresh window is
 * left (36 s of a 120 s token; min(L/2, margin + clamp(L/10, 5, 60)), margin min(L/2,
 * clamp(L/5, 10, 60))). This margin lies inside that window, so when the client asks again about a
 * busy request, the broker already holds the next token and the call brings a new one rather than
 * the one the client just let go.
 */
export function reuseMarginMs(lifetimeSeconds: number): number {
  return Math.min(MAX_REUSE_MARGIN_SECONDS, lifetimeSeconds * REUSE_MARGIN_SHARE) * 1000;
}

/** True while the token may be handed out: it outlives both the reuse margin and `minTtl`. */
export function isReusable(token: HeldToken, now: number, minTtlSeconds: number): boolean {
  const left = token.expiresAt - now;
  return left > reuseMarginMs(token.lifetime) && left >= minTtlSeconds * 1000;
}

/**
 * The tokens of one client, least recently used first out once `maxEntries` are held. Expired
 * tokens are dropped when met; nothing runs in the background.
 */
export class TokenCache {
  readonly #entries = new Map<string, HeldToken>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): HeldToken | undefined {
    const token = this.#entries.get(key);
    if (!token) return undefined;
    this.#entries.delete(key);
    if (token.expiresAt <= now) return undefined;
    this.#entries.set(key, token);
    return token;
  }

  set(key: string, token: HeldToken): void {
    this.#entries.delete(key);
    this.#entries.set(key, token);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** `exp - iat` of a JWT access token, without verifying it (the client only sizes its margin). */
export function jwtLifetimeSeconds(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { iat, exp } = claims as { iat?: unknown; exp?: unknown };
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= iat) return undefined;
    return exp - iat;
  } catch {
    return undefined;
  }
}
