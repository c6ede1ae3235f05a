import { base64url } from 'jose';
import { grantHeader } from '../../domain/jwt-grant.js';
import type { Deadline } from '../../ports/deadline.js';

/**
 * Produces the raw RS256 signature (RSASSA-PKCS1-v1_5 with SHA-256) over a JWS signing input.
 * The input is the ASCII text `base64url(header).base64url(payload)`.
 */
export type SignatureFunction = (
  signingInput: Uint8Array | string,
  deadline: Deadline,
) => Promise<Uint8Array>;

/**
 * Signs claims into a compact JWS `header.payload.signature`. Takes any object so that both the
 * port's record type and the `GrantClaims` interface (which has no index signature) fit.
 */
export type CompactSigner = (claims: object, deadline: Deadline) => Promise<string>;

/**
 * Builds a compact JWS signer for one `kid`. The header is fixed per key, so it is encoded once here
 * rather than on every grant. Assembled by hand because jose only signs with a local private key,
 * and KMS keeps ours remote.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export function createCompactSigner(kid: string, signature: SignatureFunction): CompactSigner {
  const encodedHeader = base64url.encode(JSON.stringify(grantHeader(kid)));
  return async (claims, deadline) => {
    const signingInput = `${encodedHeader}.${base64url.encode(JSON.stringify(claims))}`;
    return `${signingInput}.${base64url.encode(await signature(signingInput, deadline))}`;
  };
}
