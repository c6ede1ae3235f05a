import { decodeJwt } from 'jose';
import type { CachedToken } from '../domain/cache-policy.js';
import type { AltinnTokenExchangeApi } from '../ports/altinn.js';
import type { Clock } from '../ports/clock.js';
import type { Deadline } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { TokenExchanger } from './token-exchanger.js';
import { altinnExchangeUnusable, altinnToBrokerError } from './upstream-errors.js';

export interface AltinnTokenExchangerOptions {
  altinn: AltinnTokenExchangeApi;
  clock: Clock;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
}

/**
 * Exchanges a Maskinporten token for an Altinn token (`GET exchange/maskinporten`). The Altinn
 * token lives by its own `exp` (Altinn's `JwtValidityMinutes`, 30 by default), not the Maskinporten
 * token's. Altinn refusing the broker's Maskinporten token is the broker's fault (502); Altinn
 * failing is 502/504; all with `altinn_error`.
 *
 * @see https://github.com/Altinn/altinn-authentication/blob/main/src/Authentication/Controllers/AuthenticationController.cs
 */
export class AltinnTokenExchanger implements TokenExchanger {
  readonly #options: AltinnTokenExchangerOptions;

  constructor(options: AltinnTokenExchangerOptions) {
    this.#options = options;
  }

  async exchange(maskinportenToken: CachedToken, deadline: Deadline): Promise<CachedToken> {
    const { altinn, clock, metrics, logger } = this.#options;
    metrics.count('AltinnExchanges');
    let token: string;
    try {
      token = await altinn.exchangeMaskinportenToken(maskinportenToken.accessToken, deadline);
    } catch (error) {
      metrics.count('AltinnErrors');
      const mapped = altinnToBrokerError(error, { what: 'the token exchange', callerFault: false });
      logger.warn('altinn token exchange failed', {
        reason: mapped instanceof Error ? mapped.message : 'unknown',
      });
      throw mapped;
    }
    const now = clock();
    const exp = expiry(token);
    if (exp === undefined || exp * 1000 - now < 1000) {
      metrics.count('AltinnErrors');
      throw altinnExchangeUnusable('a token that has no future exp');
    }
    // Like a Maskinporten answer: receipt time + whole seconds, never past the token's own exp.
    const lifetime = Math.floor((exp * 1000 - now) / 1000);
    return {
      accessToken: token,
      tokenType: 'Bearer',
      scope: maskinportenToken.scope,
      expiresAt: now + lifetime * 1000,
      lifetime,
    };
  }
}

function expiry(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}
