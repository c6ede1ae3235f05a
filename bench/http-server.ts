/**
 * The server side of the HTTP benchmark, run in its own process (forked by `http.ts`) so the
 * server and the load generator each get a core. Modes:
 *
 * - `local <silent|audit>`: the local server (`startLocalServer`, sandbox mode, memory cache)
 *   with the given logger; it warms the benchmark key before reporting ready.
 * - `bare <bytes>`: a bare `node:http` server that reads the request body and answers a fixed JSON
 *   document of exactly that many bytes, with the same headers the broker sends (its length too).
 *
 * Reports `{ url, responseBytes, headers }` over IPC, then serves until the parent says `stop`.
 * `mark` starts a CPU-time window and `report` answers `{ cpuMicros, userMicros }` for it (user +
 * system, and user alone).
 */
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalServer } from '../functions/local/server.js';
import { batchedLineWriter } from '../shared/adapters/logging/batched-line-writer.js';
import { jsonLineLogger } from '../shared/adapters/logging/json-line-logger.js';
import { InMemoryMetrics } from '../shared/adapters/metrics/in-memory-metrics.js';
import { TOKEN_SOURCE_HEADER } from '../shared/http/token-route.js';
import { silentLogger } from '../shared/ports/logger.js';
import { HIT_BODY } from './fixtures.js';

export interface ServerReady {
  url: string;
  responseBytes: number;
  headers: Record<string, string>;
}

/** The headers the broker puts on a token answer (besides Date, Connection and Content-Length). */
const BROKER_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
  [TOKEN_SOURCE_HEADER]: 'memory',
};

async function startLocal(
  loggerKind: string,
): Promise<{ ready: ServerReady; close(): Promise<void> }> {
  const logger =
    loggerKind === 'audit'
      ? jsonLineLogger({ serviceName: 'maskinporten-broker', writer: batchedLineWriter() })
      : silentLogger;
  const server = await startLocalServer({
    // An hour-long sandbox token: no refresh falls inside the run.
    env: { PORT: '0', SANDBOX_TOKEN_LIFETIME_SECONDS: '3600' },
    logger,
    metrics: new InMemoryMetrics(),
  });
  // The first request fetches the token, the second must be the memory hit being measured.
  const post = () =>
    fetch(`${server.url}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(HIT_BODY),
    });
  await (await post()).text();
  const hit = await post();
  const text = await hit.text();
  if (hit.status !== 200 || hit.headers.get(TOKEN_SOURCE_HEADER) !== 'memory') {
    throw new Error(`warming the key failed: ${hit.status} ${text.slice(0, 200)}`);
  }
  return {
    ready: {
      url: server.url,
      responseBytes: Buffer.byteLength(text),
      headers: Object.fromEntries(hit.headers),
    },
    close: () => server.close(),
  };
}

/** A token-shaped JSON document of exactly `bytes` bytes. */
function fixedJson(bytes: number): string {
  const shell = JSON.stringify({
    access_token: '',
    token_type: 'Bearer',
    expires_in: 3599,
    scope: HIT_BODY.scope,
  });
  const pad = bytes - Buffer.byteLength(shell);
  if (pad < 0) throw new RangeError(`cannot make a token JSON of ${bytes} bytes`);
  return shell.replace('"access_token":""', `"access_token":"${'x'.repeat(pad)}"`);
}

async function startBare(bytes: number): Promise<{ ready: ServerReady; close(): Promise<void> }> {
  const body = fixedJson(bytes);
  // The broker's headers and, like the broker, the length: one write, no chunked framing.
  const headers = { ...BROKER_HEADERS, 'content-length': String(Buffer.byteLength(body)) };
  // The local server's own timeouts, so only the request handling differs.
  const server = createServer(
    { requestTimeout: 10_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 },
    (request, response) => {
      request.on('data', () => {});
      request.on('end', () => {
        response.writeHead(200, headers);
        response.end(body);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ready: { url: `http://127.0.0.1:${port}`, responseBytes: Buffer.byteLength(body), headers: {} },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const [mode, arg] = process.argv.slice(2);
  const send = process.send?.bind(process);
  if (!send) throw new Error('run me through bench/http.ts (needs an IPC channel)');
  const server = mode === 'bare' ? await startBare(Number(arg)) : await startLocal(arg ?? 'silent');
  send({ type: 'ready', ...server.ready });
  let window = process.cpuUsage();
  process.on('message', (message) => {
    if (message === 'mark') window = process.cpuUsage();
    if (message === 'report') {
      const used = process.cpuUsage(window);
      send({ type: 'cpu', cpuMicros: used.user + used.system, userMicros: used.user });
    }
    if (message === 'stop') {
      server.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
