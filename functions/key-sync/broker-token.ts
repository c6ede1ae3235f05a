import { type BrokerClient, createBrokerClient } from '../../client/src/index.js';
import type { KeySyncConfig } from '../../shared/config/key-sync-config.js';
import type { AdminTokenProvider } from '../../shared/ports/maskinporten-admin.js';

/** What the admin token must still be valid for: the sync's few calls to Digdir. */
const ADMIN_TOKEN_MIN_TTL_SECONDS = 30;

/**
 * The admin token from the broker, as any caller gets a token: `POST /v1/token` with
 * `idporten:dcr.write` as a plain vendor token, SigV4-signed with the function's role through the
 * client package. The caller policy must name this role with exactly that scope (infra generates
 * the rule); a wildcard never grants it.
 */
export function brokerTokenProvider(client: BrokerClient): AdminTokenProvider {
  return async (scopes, deadline) => {
    const token = await client.getToken(
      { scope: scopes.join(' '), minTtl: ADMIN_TOKEN_MIN_TTL_SECONDS },
      { deadlineMs: Math.max(1, deadline.remaining()) },
    );
    return token.accessToken;
  };
}

/** The client for `BROKER_URL` (an execute-api URL names its region; the default credentials). */
export function brokerClientFor(config: KeySyncConfig, fetchImpl?: typeof fetch): BrokerClient {
  return createBrokerClient({ baseUrl: config.brokerUrl, fetch: fetchImpl, maxTokens: 4 });
}
