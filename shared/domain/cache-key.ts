import { hash } from 'node:crypto';
import type { TokenRequest } from './token-request.js';

/** Who the broker is at Maskinporten: a token minted under another identity must never be served. */
export interface BrokerIdentity {
  issuer: string;
  clientId: string;
  /** The active key's `kid`: rotating the key starts a new cache generation. */
  kid: string;
}

/**
 * The cache key: a SHA-256 over everything that changes which token Maskinporten issues, and
 * nothing else (not `minTtl`, `skipCache` or the caller). The hash keeps org numbers and scopes out
 * of the DynamoDB key.
 */
export function tokenCacheKey(identity: BrokerIdentity, request: TokenRequest): string {
  const material = JSON.stringify([
    identity.issuer,
    identity.clientId,
    identity.kid,
    request.scopes,
    request.org ?? null,
    request.externalRef ?? null,
    request.resource ?? null,
    request.consumerOrg ?? null,
  ]);
  // One-shot `hash` (Node ≥ 20.12): half the cost of createHash, which builds a Hash object per call.
  return hash('sha256', material, 'base64url');
}

/** The key of the exchanged Altinn token, derived from the Maskinporten token's key. */
export const altinnTokenCacheKey = (maskinportenKey: string) => `altinn:${maskinportenKey}`;

/**
 * The key of a token the broker asks for itself (the self-service API's admin token), derived from
 * the key a caller's identical request would have: a caller is never handed it from a cache.
 */
export const ownTokenCacheKey = (callerKey: string) => `own:${callerKey}`;
