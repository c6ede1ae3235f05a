import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDbTokenCache } from '../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { ensureTokenTable } from '../../shared/adapters/dynamodb/token-table.js';
import { createTokenTableClient } from '../../shared/adapters/dynamodb/token-table-client.js';
import {
  isLoopbackAddress,
  isWildcardAddress,
} from '../../shared/adapters/http/loopback-address.js';
import { createNodeListener, guardNodeServer } from '../../shared/adapters/http/node-listener.js';
import { createTokenSealer } from '../../shared/adapters/sealing/create-token-sealer.js';
import { createFileGrantSigner } from '../../shared/adapters/signing/file-grant-signer.js';
import type { KeyedSigningKeySet } from '../../shared/adapters/signing/sealing-secret.js';
import {
  createSigningKeySet,
  generateRsaKeyPemAsync,
} from '../../shared/adapters/signing/signing-key-spec.js';
import {
  type EnvConfig,
  loadEnvConfig,
  requireUpstreamConfig,
} from '../../shared/config/env-config.js';
import { type CallerPolicy, OPEN_POLICY } from '../../shared/domain/caller-policy.js';
import { readPolicyDocument, summarisePolicy } from '../../shared/domain/policy-document.js';
import { type Clock, systemClock } from '../../shared/ports/clock.js';
import type { BrokerLogger } from '../../shared/ports/logger.js';
import type { BrokerMetrics } from '../../shared/ports/metrics.js';
import type { SharedTokenCache } from '../../shared/ports/token-cache.js';
import { type BrokerRuntime, composeBroker } from '../../shared/runtime/compose-broker.js';
import { DEMO, seedDemo } from '../../shared/sandbox/demo.js';
import { createSandbox, type Sandbox } from '../../shared/sandbox/sandbox.js';
import { hostNamesFor } from './host-names.js';
import { localCallerResolver } from './local-caller.js';

export interface LocalServerOptions {
  env?: Readonly<Record<string, string | undefined>>;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
  clock?: Clock;
  /** Overrides the DynamoDB client (tests point it at dynalite). */
  dynamoDbClient?: DynamoDBClient;
  kmsClient?: KMSClient;
}

export interface LocalServer {
  url: string;
  config: EnvConfig;
  runtime: BrokerRuntime;
  /** Present in sandbox mode. */
  sandbox?: Sandbox;
  clientId: string;
  kid: string;
  /** What the start warned about (also logged): the banner repeats it. */
  warnings: string[];
  close(): Promise<void>;
}

/**
 * The broker on node:http: the same composition the Lambda uses, over a loopback listener. Without
 * `MASKINPORTEN_ISSUER` it embeds the sandbox (simulated Maskinporten and Altinn under `/sandbox`)
 * with a generated key registered on a demo client. It fails closed: whether it is reachable from
 * other machines is read from the address it bound, and with real keys it serves other machines
 * only under a policy file.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const config = loadEnvConfig(options.env ?? process.env);
  const clock = options.clock ?? systemClock;
  const { logger } = options;
  // Host is checked by the listener, so a missing one gets a JSON 400 rather than Node's empty one.
  const server = createServer({
    requestTimeout: 10_000,
    headersTimeout: 10_000,
    keepAliveTimeout: 5_000,
    requireHostHeader: false,
  });
  guardNodeServer(server);
  const url = await listen(server, config.host, config.port);
  try {
    const bound = (server.address() as AddressInfo).address;
    const policy = config.policyFile ? await loadPolicyFile(config.policyFile) : undefined;
    const warnings = exposure(config, bound, url, policy);
    for (const warning of warnings) logger.warn(warning);
    const kmsClient = lazyKmsClient(options.kmsClient);
    const upstream = config.issuer
      ? await realUpstream(config, kmsClient)
      : await sandboxUpstream(sandboxOrigin(bound, url), config, clock);
    const table = config.tokenCacheTable;
    const sharedCache = table ? await tokenTable(table, options) : undefined;
    // Without TOKEN_CACHE_KMS_KEY, sealed under a key derived from the signing key the servers share.
    const tokenSealer = table
      ? await createTokenSealer({
          table,
          kmsKeyId: config.tokenCacheKmsKey,
          kmsClient,
          signer: upstream.keys.active,
          clock,
        })
      : undefined;
    logger.info(
      'caller policy loaded',
      policy
        ? { source: config.policyFile, ...summarisePolicy(policy) }
        : summarisePolicy(OPEN_POLICY),
    );
    const runtime = composeBroker(
      {
        issuer: upstream.issuer,
        clientId: upstream.clientId,
        policy: policy ?? OPEN_POLICY,
        deadlineMs: config.deadlineMs,
        altinnPlatformUrl: upstream.altinnPlatformUrl,
        systemId: upstream.systemId,
        refusalCacheSeconds: config.refusalCacheSeconds,
      },
      {
        keys: upstream.keys,
        clock,
        logger,
        metrics: options.metrics,
        sharedCache,
        tokenSealer,
      },
    );
    const { sandbox } = upstream;
    const listener = createNodeListener(runtime.api, {
      resolveCaller: localCallerResolver(policy !== undefined),
      hostNames: hostNamesFor(bound, config.host),
      // A prefix test first: most requests are token requests and never need the sandbox's URL parse.
      intercept:
        sandbox &&
        ((req, res) => req.url?.startsWith('/sandbox') === true && sandbox.handle(req, res)),
    });
    server.on('request', listener);
    return {
      url,
      config,
      runtime,
      sandbox,
      clientId: upstream.clientId,
      kid: upstream.keys.active.kid,
      warnings,
      close: () => close(server),
    };
  } catch (error) {
    await close(server);
    throw error;
  }
}

/**
 * Who can reach this server, and whether that may start: real keys (`MASKINPORTEN_ISSUER`) on an
 * address other machines reach need a policy file, or the start fails. What may start but is
 * risky comes back as warnings.
 */
function exposure(
  config: EnvConfig,
  bound: string,
  url: string,
  policy: CallerPolicy | undefined,
): string[] {
  const loopback = isLoopbackAddress(bound);
  if (config.issuer && !loopback && !policy) {
    throw new TypeError(
      `refusing to start: ${url} is reachable from other machines and MASKINPORTEN_ISSUER is set, so anyone on the network could get this client's tokens. Set BROKER_POLICY_FILE to a caller policy, or listen on loopback (HOST=127.0.0.1)`,
    );
  }
  if (!config.issuer && !loopback) {
    return [
      `SANDBOX ON THE NETWORK: ${url} is reachable from other machines; anyone who can reach it gets sandbox tokens and can approve sandbox requests (tokens are simulated, not Maskinporten's)`,
    ];
  }
  if (config.issuer && !policy) {
    return [
      'NO CALLER POLICY: every process on this machine may get every token this Maskinporten client can get (set BROKER_POLICY_FILE to limit who gets what)',
    ];
  }
  return [];
}

/**
 * Where the broker reaches its sandbox: its own address, or loopback when it listens on every
 * interface (plain http to Maskinporten is allowed only on loopback). On one other address the
 * sandbox cannot be reached over plain http at all.
 */
function sandboxOrigin(bound: string, url: string): string {
  if (isLoopbackAddress(bound)) return url;
  const port = new URL(url).port;
  if (isWildcardAddress(bound))
    return bound.includes(':') ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`;
  throw new TypeError(
    `sandbox mode listens on loopback or on every interface (HOST=0.0.0.0); ${url} is neither, and the broker reaches its sandbox over plain http, which it allows only on loopback`,
  );
}

interface Upstream {
  issuer: string;
  clientId: string;
  keys: KeyedSigningKeySet;
  sandbox?: Sandbox;
  altinnPlatformUrl?: string;
  systemId?: string;
}

async function realUpstream(config: EnvConfig, kmsClient: () => KMSClient): Promise<Upstream> {
  const { issuer, clientId, signingKey } = requireUpstreamConfig(config);
  const keys = await createSigningKeySet({
    active: signingKey,
    next: config.signingKeyNext,
    kmsClient,
  });
  return {
    issuer,
    clientId,
    keys,
    altinnPlatformUrl: config.altinnPlatform,
    systemId: config.systemId,
  };
}

async function sandboxUpstream(origin: string, config: EnvConfig, clock: Clock): Promise<Upstream> {
  const sandbox = await createSandbox({
    origin,
    basePath: '/sandbox',
    clock,
    tokenLifetimeSeconds: config.sandboxTokenLifetime,
  });
  const signer = await createFileGrantSigner({ key: await generateRsaKeyPemAsync() });
  seedDemo(sandbox, { clientId: DEMO.clientId, publicJwk: await signer.publicJwk() });
  return {
    issuer: sandbox.issuer,
    clientId: DEMO.clientId,
    keys: { active: signer, published: [signer] },
    sandbox,
    altinnPlatformUrl: sandbox.altinnPlatformUrl,
    systemId: DEMO.systemId,
  };
}

/** One KMS client per server (the options' one in tests), made on first use. */
function lazyKmsClient(given: KMSClient | undefined): () => KMSClient {
  let client = given;
  return () => {
    client ??= new KMSClient({});
    return client;
  };
}

async function tokenTable(
  tableName: string,
  options: LocalServerOptions,
): Promise<SharedTokenCache> {
  // Region and endpoint come from the standard SDK settings (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB).
  const client = options.dynamoDbClient ?? createTokenTableClient();
  await ensureTokenTable(client, tableName);
  return new DynamoDbTokenCache({ client, tableName });
}

async function loadPolicyFile(path: string): Promise<CallerPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TypeError(
      `cannot read BROKER_POLICY_FILE ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  return readPolicyDocument(text, `BROKER_POLICY_FILE ${path}`);
}

function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost}:${address.port}`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
