import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { AltinnRegistry } from '../altinn/altinn-registry.js';
import { applyFault, type FaultControls, type FaultEndpoint, FaultQueue } from '../faults.js';
import { sendJson, sendMethodNotAllowed } from '../http/http-io.js';
import { createSigningKey, type SigningKey } from '../signing-key.js';
import {
  assertLifetime,
  type ClientRegistration,
  ClientRegistry,
  type RegisteredClient,
} from './client-registry.js';
import { JtiStore } from './jti-store.js';
import { SimulatorStats, type SimulatorStatsView } from './maskinporten-stats.js';
import { buildMetadata, type MaskinportenMetadata } from './metadata.js';
import { SelfServiceKeys } from './self-service-keys.js';
import { handleTokenRequest } from './token-endpoint.js';
import type { TokenIssuerDeps } from './token-issuer.js';

/** Maskinporten's default access-token lifetime for a new client ("120 sekunder"). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 120;

export interface MaskinportenSimulatorOptions {
  /** Ends with `/`; every endpoint hangs below it. */
  issuer: string;
  /** Where system users are looked up, and where `registerClient({systemId})` links the client. */
  registry: AltinnRegistry;
  clock?: Clock;
  tokenLifetimeSeconds?: number;
  /** Defaults to a freshly generated RS256 key. */
  signingKey?: SigningKey;
  /** A fault queue shared with the rest of the sandbox; defaults to the simulator's own. */
  faults?: FaultQueue;
  /** How long a key change made through the self-service API takes to reach the token endpoint. */
  propagationDelayMs?: number;
}

/**
 * A strict, in-process Maskinporten: metadata, JWKS and the jwt-bearer token endpoint, with fault
 * injection and counters for tests. It never logs, and never echoes a grant or token.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_feilsoking
 */
export class MaskinportenSimulator {
  readonly issuer: string;
  readonly faults: FaultControls;
  readonly stats: SimulatorStatsView;
  /** Digdir's stored key sets and their propagation to this token endpoint. */
  readonly selfService: SelfServiceKeys;
  readonly #faults: FaultQueue;
  readonly #stats = new SimulatorStats();
  readonly #clients = new ClientRegistry();
  readonly #registry: AltinnRegistry;
  readonly #signingKey: SigningKey;
  readonly #deps: TokenIssuerDeps;
  readonly #path: string;
  #lifetime: number;

  static async create(options: Omit<MaskinportenSimulatorOptions, 'signingKey'>) {
    return new MaskinportenSimulator({ ...options, signingKey: await createSigningKey() });
  }

  constructor(options: MaskinportenSimulatorOptions & { signingKey: SigningKey }) {
    if (!options.issuer.endsWith('/')) throw new Error('issuer must end with /');
    this.issuer = options.issuer;
    this.#path = new URL(options.issuer).pathname;
    this.#registry = options.registry;
    this.#signingKey = options.signingKey;
    this.#lifetime = options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
    assertLifetime(this.#lifetime);
    this.#faults = options.faults ?? new FaultQueue();
    this.faults = this.#faults;
    this.stats = this.#stats;
    const clock = options.clock ?? systemClock;
    this.selfService = new SelfServiceKeys({
      clients: this.#clients,
      clock,
      ...(options.propagationDelayMs === undefined
        ? {}
        : { propagationDelayMs: options.propagationDelayMs }),
    });
    this.#deps = {
      issuer: this.issuer,
      clock,
      clients: this.#clients,
      directory: options.registry,
      jtis: new JtiStore(),
      signingKey: options.signingKey,
      lifetimeSeconds: () => this.#lifetime,
      onGrant: (claims) => this.#stats.recordGrant(claims),
    };
  }

  get tokenEndpoint(): string {
    return `${this.issuer}token`;
  }

  get metadataUrl(): string {
    return `${this.issuer}.well-known/oauth-authorization-server`;
  }

  get tokenLifetimeSeconds(): number {
    return this.#lifetime;
  }

  /** Sets `expires_in` (and the token's `exp - iat`) for clients without their own lifetime. */
  setTokenLifetime(seconds: number): void {
    assertLifetime(seconds);
    this.#lifetime = seconds;
  }

  /** Registers a client; with `systemId`, also adds the client id to that Altinn system. */
  registerClient(registration: ClientRegistration): void {
    if (registration.systemId !== undefined) {
      const system = this.#registry.getSystem(registration.systemId);
      if (!system) throw new Error(`unknown system ${registration.systemId}`);
      if (system.vendorOrgNo !== registration.orgnr) {
        throw new Error(`system ${system.id} belongs to another vendor than the client`);
      }
    }
    this.#clients.register(registration);
    this.selfService.adopt(registration.clientId);
    if (registration.systemId !== undefined) {
      this.#registry.linkClient(registration.systemId, registration.clientId);
    }
  }

  /** Adds a key to a client at once, as if registered and propagated (`exp` a year from now). */
  addClientKey(clientId: string, key: JWK): void {
    this.#clients.addKey(clientId, key);
    this.selfService.adopt(clientId);
  }

  /** Removes a key at once; grants signed with it then fail with MP-124. */
  removeClientKey(clientId: string, kid: string): boolean {
    const removed = this.#clients.removeKey(clientId, kid);
    this.selfService.adopt(clientId);
    return removed;
  }

  /** A registered client, as grants see it now (keys after propagation). */
  client(clientId: string): RegisteredClient | undefined {
    return this.#clients.get(clientId);
  }

  metadata(): MaskinportenMetadata {
    return buildMetadata(this.issuer);
  }

  jwks(): { keys: JWK[] } {
    return structuredClone(this.#signingKey.jwks);
  }

  /** Answers requests for the issuer's endpoints; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    const endpoint = this.#endpointFor(pathname);
    if (!endpoint) return false;
    this.#dispatch(endpoint, req, res).catch(() => {
      sendJson(res, 500, { error: 'server_error', error_description: 'Unexpected sandbox error' });
    });
    return true;
  }

  #endpointFor(pathname: string): FaultEndpoint | undefined {
    if (pathname === `${this.#path}.well-known/oauth-authorization-server`) return 'metadata';
    if (pathname === `${this.#path}jwk`) return 'jwk';
    if (pathname === `${this.#path}token`) return 'token';
    return undefined;
  }

  async #dispatch(endpoint: FaultEndpoint, req: IncomingMessage, res: ServerResponse) {
    if (endpoint === 'token') this.#stats.tokenRequests += 1;
    else if (endpoint === 'metadata') this.#stats.metadataRequests += 1;
    else this.#stats.jwksRequests += 1;
    const fault = this.#faults.take(endpoint);
    if (fault) {
      this.#stats.faultsApplied += 1;
      if (await applyFault(fault, req, res)) return;
    }
    const method = endpoint === 'token' ? 'POST' : 'GET';
    if (req.method !== method) {
      sendMethodNotAllowed(res, method);
      return;
    }
    if (endpoint === 'token') {
      await handleTokenRequest(req, res, this.#deps, this.#stats);
    } else {
      sendJson(res, 200, endpoint === 'metadata' ? this.metadata() : this.jwks(), {
        'cache-control': 'max-age=60',
      });
    }
  }
}
