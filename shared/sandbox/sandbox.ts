import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../ports/clock.js';
import { AltinnRegistry, AltinnSimulator } from './altinn/index.js';
import { handleControl } from './control-api.js';
import { type FaultControls, FaultQueue } from './faults.js';
import { sendJson } from './http/http-io.js';
import { MaskinportenSimulator } from './maskinporten/index.js';
import { SelfServiceApi } from './maskinporten/self-service-api.js';
import { handleSelfServiceControl } from './maskinporten/self-service-control.js';

/**
 * Maskinporten (`./maskinporten/`) and Altinn (`./altinn/`: system register, system-user requests
 * and change requests with their approval pages, system users, token exchange), simulated over
 * real HTTP so the broker's own clients are exercised. Each half's `index.ts` says what it
 * simulates, what it does not, and which quirks of the real server it reproduces on purpose.
 * Mount `handle` in any `node:http` server, or use `startSandboxServer`.
 */
export interface Sandbox {
  /** node:http listener for paths under basePath; returns false (without answering) for paths it doesn't own */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  readonly issuer: string; // `${origin}${basePath}/maskinporten/`
  readonly altinnPlatformUrl: string; // `${origin}${basePath}/altinn`
  readonly maskinporten: MaskinportenSimulator; // registerClient, faults, stats, setTokenLifetime
  /** The register behind both simulators: systems and system users. */
  readonly altinn: AltinnRegistry;
  /** Altinn's vendor APIs, approval pages and token exchange: requests, stats, timeouts, decide. */
  readonly altinnApi: AltinnSimulator;
  /** One fault queue for every endpoint (`token`, `metadata`, `jwk`, `altinn`, `exchange`, `selvbetjening`). */
  readonly faults: FaultControls;
  /** Digdir's self-service API base, `${origin}${basePath}/selvbetjening/api/v1/` (MASKINPORTEN_ADMIN_URL). */
  readonly selfServiceUrl: string;
  /** The simulated self-service API (stats); its key store is `maskinporten.selfService`. */
  readonly selfService: SelfServiceApi;
}

/** Altinn-side settings; all can also be changed at runtime (`sandbox.altinnApi`, `sandbox.altinn`). */
export interface SandboxAltinnOptions {
  /** Organisations in the Entity Register from the start (more: `sandbox.altinn.entityRegister`). */
  organisations?: string[];
  /** Items per page of the paginated lists; default 20. */
  pageSize?: number;
  /** Lifetime of exchanged Altinn tokens; default 1800 s. */
  tokenLifetimeSeconds?: number;
}

export interface SandboxOptions {
  /** Scheme, host and port the sandbox is reached at, e.g. `http://127.0.0.1:8080`. */
  origin: string;
  /** Default `/sandbox`. */
  basePath?: string;
  clock?: Clock;
  tokenLifetimeSeconds?: number;
  altinn?: SandboxAltinnOptions;
  /** Delay before a key change made through the self-service API reaches the token endpoint (default 5 s). */
  propagationDelayMs?: number;
}

export const DEFAULT_BASE_PATH = '/sandbox';

export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  const origin = new URL(options.origin).origin;
  const basePath = normaliseBasePath(options.basePath ?? DEFAULT_BASE_PATH);
  const altinn = new AltinnRegistry({ clock: options.clock });
  for (const orgNo of options.altinn?.organisations ?? []) altinn.entityRegister.add(orgNo);
  const faults = new FaultQueue();
  const maskinporten = await MaskinportenSimulator.create({
    issuer: `${origin}${basePath}/maskinporten/`,
    registry: altinn,
    faults,
    clock: options.clock,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    propagationDelayMs: options.propagationDelayMs,
  });
  const selfService = new SelfServiceApi({
    origin,
    basePath,
    maskinporten,
    faults,
    clock: options.clock ?? systemClock,
  });
  const altinnApi = await AltinnSimulator.create({
    origin,
    basePath,
    registry: altinn,
    maskinporten,
    faults,
    clock: options.clock,
    ...altinnSettings(options.altinn),
  });
  const controlPrefix = `${basePath}/_control/`;

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const pathname = pathOf(req);
    if (pathname === undefined || !(pathname === basePath || pathname.startsWith(`${basePath}/`))) {
      return false;
    }
    if (maskinporten.handle(req, res, pathname)) return true;
    if (altinnApi.handle(req, res, pathname)) return true;
    if (selfService.handle(req, res, pathname)) return true;
    if (pathname.startsWith(controlPrefix)) {
      const control = pathname.slice(controlPrefix.length);
      const targets = { maskinporten, stats: selfService.stats };
      if (handleSelfServiceControl(req, res, control, targets)) return true;
    }
    if (pathname.startsWith(controlPrefix)) {
      const targets = {
        faults,
        stats: maskinporten.stats,
        altinnStats: altinnApi.stats,
        altinn: { simulator: altinnApi, registry: altinn },
      };
      if (handleControl(req, res, pathname.slice(controlPrefix.length), targets)) return true;
    }
    req.resume();
    sendJson(res, 404, { error: 'not_found', error_description: 'No such sandbox endpoint' });
    return true;
  };

  return {
    handle,
    issuer: maskinporten.issuer,
    altinnPlatformUrl: altinnApi.platformUrl,
    maskinporten,
    altinn,
    altinnApi,
    faults,
    selfServiceUrl: selfService.baseUrl,
    selfService,
  };
}

function altinnSettings(options: SandboxAltinnOptions = {}) {
  return {
    pageSize: options.pageSize,
    altinnTokenLifetimeSeconds: options.tokenLifetimeSeconds,
  };
}

export interface SandboxServerOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  clock?: Clock;
  tokenLifetimeSeconds?: number;
  basePath?: string;
  altinn?: SandboxAltinnOptions;
  propagationDelayMs?: number;
}

export type SandboxServer = Sandbox & {
  /** The server's origin, e.g. `http://127.0.0.1:53124`. */
  url: string;
  /** Stops listening and cuts open connections, hung ones included. */
  close(): Promise<void>;
};

/** Starts a sandbox on its own HTTP server (loopback, any free port, by default). */
export async function startSandboxServer(
  options: SandboxServerOptions = {},
): Promise<SandboxServer> {
  const host = options.host ?? '127.0.0.1';
  let sandbox: Sandbox | undefined;
  const server = createServer((req, res) => {
    if (sandbox?.handle(req, res)) return;
    req.resume();
    sendJson(res, sandbox ? 404 : 503, {
      error: sandbox ? 'not_found' : 'temporarily_unavailable',
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  sandbox = await createSandbox({
    origin: url,
    basePath: options.basePath,
    clock: options.clock,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    altinn: options.altinn,
    propagationDelayMs: options.propagationDelayMs,
  });
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return { ...sandbox, url, close };
}

function normaliseBasePath(basePath: string): string {
  const trimmed = basePath.replace(/\/+$/, '');
  if (!/^\/[A-Za-z0-9._~\-/]+$/.test(trimmed)) {
    throw new Error('basePath must be a non-root path such as /sandbox');
  }
  return trimmed;
}

function pathOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
  } catch {
    return undefined;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
