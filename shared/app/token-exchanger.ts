import type { CachedToken } from '../domain/cache-policy.js';

/**
 * A second kind of token made from a Maskinporten token (the Altinn token exchange). The broker
 * caches its result like a Maskinporten token, under its own key, until shortly before its own
 * expiry.
 */
export interface TokenExchanger {
  /** Resolves the new token or throws `BrokerError`; `deadline` is epoch ms. */
  exchange(maskinportenToken: CachedToken, deadline: number): Promise<CachedToken>;
}
