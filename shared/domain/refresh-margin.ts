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
