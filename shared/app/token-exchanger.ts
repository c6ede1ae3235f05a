import type { CachedToken } from '../domain/cache-policy.js';
import type { Deadline } from '../ports/deadline.js';

/**
 * A second kind of token made from a Maskinporten token (the Altinn token exchange). The broker
 * caches its result like a Maskinporten token, under its own key, until shortly before its own
 * expiry.
 */
export interface TokenExchanger {
  /** Resolves the new token or throws `BrokerError`. */
  exchange(maskinportenToken: CachedToken, deadline: Deadline): Promise<CachedToken>;
}
