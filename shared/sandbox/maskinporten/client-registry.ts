import type { JWK } from 'jose';
import { importJWK } from 'jose';
import { isValidOrgnr } from '../../domain/orgnr.js';

/** Maskinporten accepts RSA keys of at least 2048 bits on a client. */
const MIN_RSA_BITS = 2048;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

type VerificationKey = Awaited<ReturnType<typeof importJWK>>;

export interface ClientRegistration {
  clientId: string;
  /** The client owner's orgno: the token's `consumer`, and the vendor for system users. */
  orgnr: string;
  /** Scopes the client may request. */
  scopes: string[];
  /** Public RSA JWKs, each with a `kid`. */
  keys: JWK[];
  /** Adds the client id to this Altinn system (it must exist and belong to `orgnr`). */
  systemId?: string;
  /** Overrides the simulator's token lifetime for this client (Maskinporten's per-client setting). */
  tokenLifetimeSeconds?: number;
}

export interface RegisteredClient {
  readonly clientId: string;
  readonly orgnr: string;
  readonly scopes: ReadonlySet<string>;
  readonly tokenLifetimeSeconds?: number;
  readonly keys: Map<string, JWK>;
  /** Digdir's `exp` per kid, epoch seconds; a grant signed with an expired key gets MP-121. */
  readonly keyExpiry: Map<string, number>;
}

/** A key as Digdir's self-service API hands it to Maskinporten: the public JWK and its `exp`. */
export interface EffectiveKey {
  jwk: JWK;
  /** Epoch seconds. */
  exp?: number;
}

/**
 * Maskinporten clients and their registered keys. A `kid` is unique across all clients, as
 * Digdir requires.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export class ClientRegistry {
  readonly #clients = new Map<string, RegisteredClient>();
  readonly #imported = new Map<string, Promise<VerificationKey>>();
  #beforeRead: (() => void) | undefined;

  /** Runs before a client is read for a grant: lets changes made through Digdir's API land late. */
  onBeforeRead(hook: () => void): void {
    this.#beforeRead = hook;
  }

  register(registration: ClientRegistration): RegisteredClient {
    const { clientId, orgnr, scopes, tokenLifetimeSeconds } = registration;
    if (clientId.trim() === '' || this.#clients.has(clientId)) {
      throw new Error(`client id must be non-empty and unused: ${clientId}`);
    }
    if (!isValidOrgnr(orgnr)) throw new Error(`client ${clientId}: orgnr must be a valid orgno`);
    if (!scopes.every((scope) => SCOPE.test(scope))) {
      throw new Error(`client ${clientId}: scopes must be RFC 6749 scope tokens`);
    }
    if (tokenLifetimeSeconds !== undefined) assertLifetime(tokenLifetimeSeconds);
    const client: RegisteredClient = {
      clientId,
      orgnr,
      scopes: new Set(scopes),
      keys: new Map(),
      keyExpiry: new Map(),
      ...(tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds }),
    };
    const seen = new Set<string>();
    for (const key of registration.keys) {
      const kid = this.#checkKey(key);
      if (seen.has(kid)) throw new Error(`kid ${kid} is listed twice`);
      seen.add(kid);
    }
    for (const key of registration.keys) client.keys.set(key.kid as string, publicOnly(key));
    this.#clients.set(clientId, client);
    return client;
  }

  get(clientId: string): RegisteredClient | undefined {
    this.#beforeRead?.();
    return this.#clients.get(clientId);
  }

  /** Client ids, for the self-service API's view of who owns which kid. */
  clientIds(): string[] {
    return [...this.#clients.keys()];
  }

  /**
   * Replaces a client's whole key set, as a propagated self-service change does. Kid uniqueness
   * across clients was checked when Digdir accepted the set, so it is not checked again here.
   */
  replaceKeys(clientId: string, keys: readonly EffectiveKey[]): void {
    const client = this.#require(clientId);
    this.#forget(clientId);
    client.keys.clear();
    client.keyExpiry.clear();
    for (const { jwk, exp } of keys) {
      client.keys.set(jwk.kid as string, publicOnly(jwk));
      if (exp !== undefined) client.keyExpiry.set(jwk.kid as string, exp);
    }
  }

  addKey(clientId: string, key: JWK): void {
    const client = this.#require(clientId);
    const kid = this.#checkKey(key);
    client.keys.set(kid, publicOnly(key));
  }

  /** Returns false if the client had no such key. */
  removeKey(clientId: string, kid: string): boolean {
    const client = this.#require(clientId);
    this.#forget(clientId, kid);
    client.keyExpiry.delete(kid);
    return client.keys.delete(kid);
  }

  /** The client's key for `kid`, imported for `alg`; undefined if the client has no such key. */
  async verificationKey(
    client: RegisteredClient,
    kid: string,
    alg: string,
  ): Promise<VerificationKey | undefined> {
    const jwk = client.keys.get(kid);
    if (!jwk || (jwk.alg !== undefined && jwk.alg !== alg)) return undefined;
    const cacheKey = `${client.clientId}\u0000${kid}\u0000${alg}`;
    let imported = this.#imported.get(cacheKey);
    if (!imported) {
      imported = importJWK(jwk, alg);
      this.#imported.set(cacheKey, imported);
    }
    return imported;
  }

  /** Drops imported keys of the client (of one kid, if given). */
  #forget(clientId: string, kid?: string): void {
    const prefix = `${clientId}\u0000${kid === undefined ? '' : `${kid}\u0000`}`;
    for (const cacheKey of this.#imported.keys()) {
      if (cacheKey.startsWith(prefix)) this.#imported.delete(cacheKey);
    }
  }

  #require(clientId: string): RegisteredClient {
    const client = this.#clients.get(clientId);
    if (!client) throw new Error(`unknown client ${clientId}`);
    return client;
  }

  /** Validates a public RSA JWK with a globally unused kid; returns the kid. */
  #checkKey(key: JWK): string {
    const { kid } = key;
    if (typeof kid !== 'string' || kid === '') throw new Error('every key needs a kid');
    if (key.kty !== 'RSA' || typeof key.n !== 'string' || typeof key.e !== 'string') {
      throw new Error(`key ${kid} must be an RSA JWK`);
    }
    if (PRIVATE_MEMBERS.some((member) => member in key)) {
      throw new Error(`key ${kid} must be a public key: register only the public part`);
    }
    if (Buffer.from(key.n, 'base64url').length * 8 < MIN_RSA_BITS) {
      throw new Error(`key ${kid} must be at least ${MIN_RSA_BITS} bits`);
    }
    for (const client of this.#clients.values()) {
      if (client.keys.has(kid)) throw new Error(`kid ${kid} is already registered`);
    }
    return kid;
  }
}

export function assertLifetime(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new Error('token lifetime must be a whole number of seconds between 1 and 86400');
  }
}

function publicOnly(key: JWK): JWK {
  const { kty, n, e, kid, alg, use } = key;
  return { kty, n, e, kid, ...(alg ? { alg } : {}), ...(use ? { use } : {}) };
}
