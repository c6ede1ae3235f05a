/** The margin is one fifth (20 %) of the received lifetime, within the bounds below. */
export const REFRESH_MARGIN_DIVISOR = 5;
/** The smallest margin, when the lifetime allows it. */
export const MIN_REFRESH_MARGIN_SECONDS = 10;
/** The largest margin, however long the token lives. */
export const MAX_PROPORTIONAL_MARGIN_SECONDS = 60;

/**
 * Seconds before expiry at which a token counts as due for renewal, from the lifetime the broker
 * actually received (`expires_in`, which Maskinporten sets from the client's
 * `access_token_lifetime`, default 120 s, capped by a scope's `at_max_age`):
 *
 * ```
 * margin = min( floor(lifetime / 2), clamp(ceil(0.2 × lifetime), 10, 60) )
 * ```
 *
 * - 20 % scales with the lifetime: 120 s → 24 s, so a default token serves 96 s of its life
 *   (a flat 60 s would refresh it every minute, twice the load on Maskinporten for the same
 *   callers), and a renewal has a fifth of the lifetime to succeed, retries included.
 * - At least 10 s: the clock skew Maskinporten and Altinn allow when they check token times, so a
 *   token handed out at the margin still works on a server whose clock runs 10 s ahead.
 * - At most 60 s: for long tokens (599 s → 60 s) more margin buys nothing but requests.
 * - Never more than half the lifetime, so a short-lived token (15 s → 7 s) is still reused.
 *
 * A lifetime that is not a positive finite number gives 0.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_token
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_func_clientreg (`access_token_lifetime`)
 */
export function tokenRefreshMarginSeconds(lifetimeSeconds: number): number {
  if (!(lifetimeSeconds > 0) || !Number.isFinite(lifetimeSeconds)) return 0;
  const proportional = Math.ceil(lifetimeSeconds / REFRESH_MARGIN_DIVISOR);
  const bounded = Math.min(
    MAX_PROPORTIONAL_MARGIN_SECONDS,
    Math.max(MIN_REFRESH_MARGIN_SECONDS, proportional),
  );
  return Math.min(Math.floor(lifetimeSeconds / 2), bounded);
}

/** The refresh window reaches this share (10 %) of the lifetime past the hard margin... */
export const REFRESH_WINDOW_DIVISOR = 10;
/** ...at least this many seconds (time for one refresh, retries included, before the margin)... */
export const MIN_REFRESH_WINDOW_SECONDS = 5;
/** ...and at most this many. */
export const MAX_REFRESH_WINDOW_SECONDS = 60;

/**
 * Seconds before expiry from which a token that is served also starts a refresh (refresh ahead):
 * the hard margin ({@link tokenRefreshMarginSeconds}, after which the token is no longer served)
 * plus a tenth of the lifetime, bounded to 5–60 s, and never more than half the lifetime:
 *
 * ```
 * window = min( floor(lifetime / 2), margin + clamp(ceil(0.1 × lifetime), 5, 60) )
 * ```
 *
 * | lifetime | margin | window | served without a refresh | refresh has |
 * |---|---|---|---|---|
 * | 30 s | 10 s | 15 s | 15 s | 5 s |
 * | 120 s | 24 s | 36 s | 84 s | 12 s |
 * | 600 s | 60 s | 120 s | 480 s | 60 s |
 * | 3600 s | 60 s | 120 s | 3480 s | 60 s |
 *
 * - Past the margin by at least 5 s: a refresh (a grant signature and one Maskinporten round
 *   trip, normally well under a second) finishes while the old token is still served.
 * - A tenth of the lifetime, at most 60 s: a key asked for at least once in that span is renewed
 *   before any caller has to wait, and a hot key costs one Maskinporten call per
 *   `lifetime − window` (84 s of a 120 s token), not more.
 * - Never more than half the lifetime: a short token is still reused. Below 20 s the window
 *   equals the margin (no refresh ahead: there is no room for one).
 * - It starts before the client library's reuse margin (min(30 s, lifetime / 4), `client/`), so a
 *   client that comes back for a new token finds the broker already holding one when its key is busy.
 */
export function tokenRefreshWindowSeconds(lifetimeSeconds: number): number {
  const margin = tokenRefreshMarginSeconds(lifetimeSeconds);
  if (margin === 0) return 0;
  const ahead = Math.min(
    MAX_REFRESH_WINDOW_SECONDS,
    Math.max(MIN_REFRESH_WINDOW_SECONDS, Math.ceil(lifetimeSeconds / REFRESH_WINDOW_DIVISOR)),
  );
  return Math.max(margin, Math.min(Math.floor(lifetimeSeconds / 2), margin + ahead));
}
