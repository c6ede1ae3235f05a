import { GRANT_ALGORITHMS } from './grant-rules.js';

/** RFC 8414 metadata as Maskinporten publishes it (no `authorization_endpoint`). */
export interface MaskinportenMetadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  token_endpoint_auth_methods_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  authorization_details_types_supported: string[];
}

/**
 * The metadata for `issuer` (which ends with `/`), shaped like the TEST environment's
 * `https://test.maskinporten.no/.well-known/oauth-authorization-server`.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_wellknown
 */
export function buildMetadata(issuer: string): MaskinportenMetadata {
  return {
    issuer,
    token_endpoint: `${issuer}token`,
    jwks_uri: `${issuer}jwk`,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    grant_types_supported: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
    token_endpoint_auth_signing_alg_values_supported: [...GRANT_ALGORITHMS],
    authorization_details_types_supported: ['urn:altinn:systemuser', 'urn:altinn:consent'],
  };
}
