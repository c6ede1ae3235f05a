import { BrokerError } from '../domain/errors.js';
import type { KeyVerification } from '../domain/key-status.js';
import type { AuthorizationServer } from '../ports/authorization-server.js';
import type { Clock } from '../ports/clock.js';
import type { Deadline } from '../ports/deadline.js';
import type { GrantSigner } from '../ports/grant-signer.js';
import type { BrokerLogger } from '../ports/logger.js';
import { MASKINPORTEN_ADMIN_SCOPE } from '../ports/maskinporten-admin.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import { TokenFetcher } from './token-fetcher.js';

export interface KeyVerifierOptions {
  server: AuthorizationServer;
  /** The key to verify: the next key, or the one being promoted. */
  signer: GrantSigner;
  clientId: string;
  clock: Clock;
  metrics: BrokerMetrics;
  logger: BrokerLogger;
  /** A scope the client has (default the admin scope, which `keys` needs anyway). */
  scope?: string;
}

/** Performs one real token request signed with a key; never throws. */
export type KeyVerifier = (deadline: Deadline) => Promise<KeyVerification>;

/**
 * The proof that Maskinporten accepts a key: one token request whose grant is signed with it,
 * through the broker's own fetcher (two attempts for a transient failure) and never through a
 * cache. Only a token counts: any refusal, and no answer, is "not verified", with what
 * Maskinporten said (e.g. `MP-124 ...`, unknown kid while the key is still propagating). The
 * token itself is dropped.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 * @see ../../../shared/reference/maskinporten-admin-api.md §5 (Altinn's broker verifies a new key
 *   the same way before it signs with it)
 */
export function createKeyVerifier(options: KeyVerifierOptions): KeyVerifier {
  const { clock } = options;
  const fetcher = new TokenFetcher({
    server: options.server,
    signer: options.signer,
    clientId: options.clientId,
    clock,
    metrics: options.metrics,
    logger: options.logger,
    maxAttempts: 2,
  });
  const request = {
    scopes: [options.scope ?? MASKINPORTEN_ADMIN_SCOPE],
    minTtl: 0,
    skipCache: true,
  };
  return async (deadline) => {
    try {
      await fetcher.fetch(request, deadline);
      return { ok: true, at: clock() };
    } catch (error) {
      return { ok: false, at: clock(), detail: describe(error) };
    }
  };
}

function describe(error: unknown): string {
  if (error instanceof BrokerError) {
    return error.upstream?.error_description ?? error.upstream?.error ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
