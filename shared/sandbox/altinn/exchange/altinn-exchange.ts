import { randomUUID } from 'node:crypto';
import type { JWK, JWTPayload } from 'jose';
import type { Clock } from '../../../ports/clock.js';
import { createSigningKey, type SigningKey } from '../../signing-key.js';

/** Altinn's `JwtValidityMinutes` in the default `appsettings.json`. */
export const DEFAULT_ALTINN_TOKEN_LIFETIME_SECONDS = 30 * 60;

/** Claims Altinn drops from the Maskinporten token before adding its own. */
const DROPPED = new Set(['aud', 'iss', 'client_amr', 'sid', 'jti', 'iat', 'nbf', 'exp']);

export interface AltinnTokenExchangeOptions {
  /** `{origin}{basePath}/altinn`, no trailing slash. */
  platformUrl: string;
  clock: Clock;
  lifetimeSeconds?: number;
}

/**
 * Mints Altinn tokens from verified Maskinporten claims, as
 * `GET {platform}/authentication/api/v1/exchange/maskinporten` does: every original claim
 * (`scope`, `consumer`, `client_id`, `authorization_details`, ...) except `aud`, `iss`,
 * `client_amr` and `sid`, plus `urn:altinn:orgNumber` (the consumer's digits),
 * `urn:altinn:authenticatemethod: "maskinporten"`, `urn:altinn:authlevel: 3`,
 * `iss = {platform}/authentication/api/v1/openid/`, and a new `jti`, `sid`, `iat`, `nbf` and
 * `exp`. Signed RS256 with the sandbox's own Altinn key, published at the openid JWKS URL.
 * `urn:altinn:org` (service owners only) is not modelled.
 *
 * @see https://docs.altinn.studio/api/authentication/spec/
 */
export class AltinnTokenExchange {
  readonly issuer: string;
  readonly #key: SigningKey;
  readonly #clock: Clock;
  #lifetime: number;

  static async create(options: AltinnTokenExchangeOptions): Promise<AltinnTokenExchange> {
    return new AltinnTokenExchange(options, await createSigningKey());
  }

  constructor(options: AltinnTokenExchangeOptions, key: SigningKey) {
    this.issuer = `${options.platformUrl}/authentication/api/v1/openid/`;
    this.#key = key;
    this.#clock = options.clock;
    this.#lifetime = positive(options.lifetimeSeconds ?? DEFAULT_ALTINN_TOKEN_LIFETIME_SECONDS);
  }

  get openidConfigurationUrl(): string {
    return `${this.issuer}.well-known/openid-configuration`;
  }

  /** Altinn's `jwks_uri`: `{platform}/authentication/api/v1/openid/.well-known/openid-configuration/jwks`. */
  get jwksUrl(): string {
    return `${this.openidConfigurationUrl}/jwks`;
  }

  get lifetimeSeconds(): number {
    return this.#lifetime;
  }

  setLifetime(seconds: number): void {
    this.#lifetime = positive(seconds);
  }

  jwks(): { keys: JWK[] } {
    return structuredClone(this.#key.jwks);
  }

  openidConfiguration() {
    return {
      issuer: this.issuer,
      jwks_uri: this.jwksUrl,
      id_token_signing_alg_values_supported: ['RS256'],
    };
  }

  /** The Altinn JWT for already verified Maskinporten claims and the consumer's orgno. */
  exchange(claims: JWTPayload, orgNo: string): Promise<string> {
    const now = Math.floor(this.#clock() / 1000);
    const kept = Object.fromEntries(Object.entries(claims).filter(([name]) => !DROPPED.has(name)));
    return this.#key.sign({
      ...kept,
      'urn:altinn:orgNumber': orgNo,
      'urn:altinn:authenticatemethod': 'maskinporten',
      'urn:altinn:authlevel': 3,
      iss: this.issuer,
      jti: randomUUID(),
      sid: randomUUID(),
      iat: now,
      nbf: now,
      exp: now + this.#lifetime,
    });
  }
}

function positive(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new Error('Altinn token lifetime must be 1..86400 seconds');
  }
  return seconds;
}
