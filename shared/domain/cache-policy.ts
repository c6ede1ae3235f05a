import {
  MAX_PROPORTIONAL_MARGIN_SECONDS,
  tokenRefreshMarginSeconds,
  tokenRefreshWindowSeconds,
} from './refresh-margin.js';

/** A Maskinporten (or exchanged Altinn) token as the broker caches it. */
export interface CachedToken {
  accessToken: string;
  tokenType: string;
  scope: string;
  /** Epoch milliseconds when the token expires (receipt time + `expires_in`). */
  expiresAt: number;
  /** The lifetime in seconds the token had when it was received (`expires_in`). */
  lifetime: number;
}

/** The longest refresh margin: a token is refreshed once it has less than this left. */
export const MAX_REFRESH_MARGIN_SECONDS = MAX_PROPORTIONAL_MARGIN_SECONDS;

/**
 * Seconds before expiry at which a token stops being served from cache (the hard margin):
 * proportional to the lifetime it was received with, bounded (`tokenRefreshMarginSeconds`, whose
 * comment gives the formula and why): 10 s of a 30 s token, 24 s of a 120 s one, 60 s of an hour.
 */
export function refreshMarginSeconds(lifetimeSeconds: number): number {
  return tokenRefreshMarginSeconds(lifetimeSeconds);
}

/**
 * True once a served token should also start a refresh (refresh ahead): it has less than the
 * refresh window left (`tokenRefreshWindowSeconds`). Only ever asked about a token that is being
 * served, so a key nobody asks for is never refreshed.
 */
export function isInRefreshWindow(token: CachedToken, now: number): boolean {
  return token.expiresAt - now < tokenRefreshWindowSeconds(token.lifetime) * 1000;
}

/** Seconds the token has left at `now` (whole seconds, rounded down, never negative). */
export function remainingSeconds(token: CachedToken, now: number): number {
  return Math.max(0, Math.floor((token.expiresAt - now) / 1000));
}

/** Milliseconds of life a cached token must have left to be served to a caller asking `minTtl`. */
export function requiredRemainingMs(token: Pick<CachedToken, 'lifetime'>, minTtl: number): number {
  // At least one second, so a very short-lived token is never served at its expiry instant.
  return Math.max(refreshMarginSeconds(token.lifetime), minTtl, 1) * 1000;
}

/** True if the token may be served: its remaining life covers the refresh margin and `minTtl`. */
export function isServable(token: CachedToken, now: number, minTtl: number): boolean {
  return token.expiresAt - now >= requiredRemainingMs(token, minTtl);
}

/**
 * True if the token is still valid for the caller although inside the refresh margin: served only
 * when Maskinporten is failing (stale-if-error).
 */
export function isUsableWhenStale(token: CachedToken, now: number, minTtl: number): boolean {
  return token.expiresAt - now >= Math.max(minTtl * 1000, 1000);
}

/** The cache entry for a token response received at `now`. */
export function toCachedToken(
  response: { access_token: string; token_type: string; expires_in: number; scope?: string },
  requestedScope: string,
  now: number,
): CachedToken {
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    scope: response.scope ?? requestedScope,
    expiresAt: now + response.expires_in * 1000,
    lifetime: response.expires_in,
  };
}
