import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import type { Clock } from '../../ports/clock.js';
import { BearerVerifier, consumerOrgNo } from '../altinn/altinn-auth.js';
import { applyFault, type FaultQueue } from '../faults.js';
import { mediaType, readBody, sendJson } from '../http/http-io.js';
import {
  badRequest,
  forbidden,
  notFound,
  SelfServiceRefusal,
  unauthorized,
} from './api-error-response.js';
import type { RegisteredClient } from './client-registry.js';
import { parseJwksBody } from './jwks-input.js';
import type { SelfServiceKeys, StoredKey, StoredKeySet } from './self-service-keys.js';
import { SelfServiceStats, type SelfServiceStatsView } from './self-service-stats.js';

/** The admin scopes: `dcr.write` for everything; `dcr.read` also reads (FD `oidc_api_admin`). */
export const SELF_SERVICE_SCOPES = {
  write: 'idporten:dcr.write',
  read: 'idporten:dcr.read',
} as const;

/** Far above five JWKs with certificate chains. */
export const JWKS_BODY_LIMIT_BYTES = 64 * 1024;

/** Mirrors `https://api.test.samarbeid.digdir.no/api/v1/` below the sandbox's base path. */
export const SELF_SERVICE_PATH = '/selvbetjening/api/v1/';

/** What the API needs from the simulated Maskinporten. */
export interface SelfServiceMaskinporten {
  readonly issuer: string;
  readonly tokenLifetimeSeconds: number;
  readonly selfService: SelfServiceKeys;
  jwks(): { keys: JWK[] };
  client(clientId: string): RegisteredClient | undefined;
}

export interface SelfServiceApiOptions {
  /** `{origin}{basePath}`; the API lives at `{base}/selvbetjening/api/v1/`. */
  origin: string;
  basePath: string;
  maskinporten: SelfServiceMaskinporten;
  /** Shared with the rest of the sandbox; takes `selvbetjening` faults. */
  faults: FaultQueue;
  clock: Clock;
}

type Route =
  | { kind: 'jwks'; clientId: string }
  | { kind: 'client'; clientId: string }
  | { kind: 'unknown' };

/**
 * Digdir's self-service API for a client's keys, simulated: `GET`, `POST` (201) and `PUT` (200)
 * `clients/{id}/jwks` with whole-set replacement, and `GET clients/{id}` with
 * `access_token_lifetime`. The bearer must be a token this sandbox's Maskinporten issued, with
 * `idporten:dcr.write` (reads also take `idporten:dcr.read`), and the client must belong to the
 * token's `consumer` (else 403). Changes reach the token endpoint after the propagation delay of
 * `SelfServiceKeys`. Errors are `ApiErrorResponse` bodies; nothing from the request is echoed.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export class SelfServiceApi {
  readonly baseUrl: string;
  readonly stats: SelfServiceStatsView;
  readonly #stats = new SelfServiceStats();
  readonly #path: string;
  readonly #options: SelfServiceApiOptions;
  readonly #verifier: BearerVerifier;

  constructor(options: SelfServiceApiOptions) {
    this.#options = options;
    this.#path = `${options.basePath}${SELF_SERVICE_PATH}`;
    this.baseUrl = `${options.origin}${this.#path}`;
    this.stats = this.#stats;
    const { issuer } = options.maskinporten;
    this.#verifier = new BearerVerifier(
      [{ issuer, jwks: options.maskinporten.jwks() }],
      options.clock,
    );
  }

  /** Answers requests below the API path; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (!pathname.startsWith(this.#path)) return false;
    this.#dispatch(req, res, routeOf(pathname.slice(this.#path.length))).catch(() => {
      sendJson(
        res,
        500,
        new SelfServiceRefusal(500, 'server_error', 'Unexpected sandbox error').body(
          this.#options.clock(),
        ),
      );
    });
    return true;
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    this.#stats.calls += 1;
    const fault = this.#options.faults.take('selvbetjening');
    if (fault) {
      this.#stats.faultsApplied += 1;
      if (await applyFault(fault, req, res)) return;
    }
    try {
      const reply = await this.#answer(req, route);
      sendJson(res, reply.status, reply.body);
    } catch (error) {
      if (!(error instanceof SelfServiceRefusal)) throw error;
      req.resume();
      this.#stats.recordRefusal(error.status);
      sendJson(res, error.status, error.body(this.#options.clock()), error.headers);
    }
  }

  async #answer(req: IncomingMessage, route: Route): Promise<{ status: number; body: unknown }> {
    if (route.kind === 'unknown') throw notFound('No such endpoint in the self-service API');
    const allowed = route.kind === 'jwks' ? ['GET', 'POST', 'PUT'] : ['GET'];
    const method = req.method ?? 'GET';
    if (!allowed.includes(method)) {
      throw new SelfServiceRefusal(405, 'method_not_allowed', `Use ${allowed.join(', ')}`, {
        headers: { allow: allowed.join(', ') },
      });
    }
    const write = method !== 'GET';
    const client = await this.#authorise(req, route.clientId, write);
    const { selfService } = this.#options.maskinporten;
    if (route.kind === 'client') return { status: 200, body: this.#clientView(client) };
    if (!write) return { status: 200, body: jwksView(selfService.stored(client.clientId)) };

    const keys = parseJwksBody(await readJson(req));
    for (const key of keys) {
      const owner = selfService.ownerOf(key.kid as string);
      if (owner !== undefined && owner !== client.clientId) {
        throw new SelfServiceRefusal(409, 'conflict', `kid ${key.kid} is in use by another client`);
      }
    }
    const stored = selfService.replace(client.clientId, keys);
    this.#stats.writes += 1;
    return { status: method === 'POST' ? 201 : 200, body: jwksView(stored) };
  }

  /** 401 without a valid sandbox token, 403 without the scope or for another org's client. */
  async #authorise(
    req: IncomingMessage,
    clientId: string,
    write: boolean,
  ): Promise<RegisteredClient> {
    let claims: Awaited<ReturnType<BearerVerifier['verify']>>;
    try {
      claims = await this.#verifier.verify(req);
    } catch (error) {
      const detail = (error as { detail?: unknown }).detail;
      throw unauthorized(typeof detail === 'string' ? detail : 'Invalid token');
    }
    const scope = typeof claims['scope'] === 'string' ? claims['scope'].split(' ') : [];
    const accepted = write
      ? [SELF_SERVICE_SCOPES.write]
      : [SELF_SERVICE_SCOPES.write, SELF_SERVICE_SCOPES.read];
    if (!accepted.some((wanted) => scope.includes(wanted))) {
      throw forbidden(`The token lacks the scope ${accepted.join(' or ')}`);
    }
    const client = this.#options.maskinporten.client(clientId);
    if (!client) throw notFound('No such client');
    if (consumerOrgNo(claims) !== client.orgnr) {
      throw forbidden("The client does not belong to the token's organisation");
    }
    return client;
  }

  #clientView(client: RegisteredClient) {
    const stored = this.#options.maskinporten.selfService.stored(client.clientId);
    return {
      client_id: client.clientId,
      client_orgno: client.orgnr,
      integration_type: 'maskinporten',
      application_type: 'web',
      active: true,
      scopes: [...client.scopes],
      grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
      token_endpoint_auth_method: 'private_key_jwt',
      access_token_lifetime:
        client.tokenLifetimeSeconds ?? this.#options.maskinporten.tokenLifetimeSeconds,
      ...(stored ? { created: iso(stored.created), last_updated: iso(stored.lastUpdated) } : {}),
    };
  }
}

function routeOf(rest: string): Route {
  const segments = rest.replace(/\/$/, '').split('/');
  if (segments[0] !== 'clients' || !segments[1]) return { kind: 'unknown' };
  let clientId: string;
  try {
    clientId = decodeURIComponent(segments[1]);
  } catch {
    return { kind: 'unknown' };
  }
  if (segments.length === 2) return { kind: 'client', clientId };
  if (segments.length === 3 && segments[2] === 'jwks') return { kind: 'jwks', clientId };
  return { kind: 'unknown' };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (mediaType(req) !== 'application/json') {
    throw new SelfServiceRefusal(415, 'unsupported_media_type', 'Send application/json');
  }
  const read = await readBody(req, JWKS_BODY_LIMIT_BYTES);
  if (!read.ok) {
    if (read.reason === 'too_large') {
      throw new SelfServiceRefusal(413, 'payload_too_large', 'The body is too large', {
        headers: { connection: 'close' },
      });
    }
    throw badRequest('The body must be UTF-8');
  }
  try {
    return JSON.parse(read.body);
  } catch {
    throw badRequest('The body must be JSON');
  }
}

/** The stored set as Digdir returns it: keys with `exp`, `created`, `last_updated`. */
export function jwksView(set: StoredKeySet | undefined) {
  if (!set) return { keys: [] };
  return {
    keys: set.keys.map(keyView),
    created: iso(set.created),
    last_updated: iso(set.lastUpdated),
  };
}

function keyView(key: StoredKey) {
  return {
    ...key.jwk,
    exp: key.exp,
    created: iso(key.created),
    last_updated: iso(key.lastUpdated),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
