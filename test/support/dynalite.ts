import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensureTokenTable } from '../../shared/adapters/dynamodb/token-table.js';

/** An in-process dynalite (in-memory DynamoDB) on loopback with the token table created. */
export interface DynaliteHarness {
  /** `http://127.0.0.1:<port>`; the port stays the same across {@link stop} / {@link restart}. */
  endpoint: string;
  /** A client made by {@link createClient}. */
  client: DynamoDBClient;
  /** The token-cache table, already ACTIVE (created with `ensureTokenTable`). */
  tableName: string;
  /**
   * A new client (own connection pool, as a separate Lambda instance would have): region `local`,
   * dummy credentials, one attempt, so calls to a stopped server fail at once (connection refused).
   * Destroyed by {@link close}.
   */
  createClient(): DynamoDBClient;
  /**
   * Stops listening and drops every open connection: the table becomes unreachable, requests fail
   * (connection refused/reset). The in-memory data is kept.
   */
  stop(): Promise<void>;
  /** Listens again on the same port, with the same tables and items as before {@link stop}. */
  restart(): Promise<void>;
  /** Destroys all clients and shuts dynalite down for good (idempotent). */
  close(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 (random port) with instant table-state transitions and creates the
 * token table.
 *
 * Why `stop()` does not call the server's own `close()`: dynalite overrides it to also close its
 * LevelDB store, and its next `listen()` then starts an empty store. Closing just the listener
 * (`http.Server.prototype.close`) and destroying the sockets keeps the store, so `restart()` comes
 * back with the same data.
 */
export async function startDynalite(): Promise<DynaliteHarness> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  let listening = true;
  let closed = false;

  const createClient = (): DynamoDBClient => {
    const client = new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
      // The constructor-options form makes the SDK build its own NodeHttpHandler: same effect as
      // `new NodeHttpHandler(...)` without importing @smithy/node-http-handler, which is only a
      // transitive dependency. `throwOnRequestTimeout`: else a slow request only logs a warning.
      // The timeouts only end a hung call (a stopped server refuses at once): on a loaded 2-core
      // machine the event loop stalls past tight ones, and 40 clients racing for one lease timed
      // out at 1000 ms.
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: 10_000,
        throwOnRequestTimeout: true,
      },
    });
    clients.push(client);
    return client;
  };

  const client = createClient();
  const tableName = 'broker-token-cache';
  await ensureTokenTable(client, tableName);

  return {
    endpoint,
    client,
    tableName,
    createClient,
    async stop() {
      if (!listening) return;
      listening = false;
      await new Promise<void>((resolve, reject) => {
        Server.prototype.close.call(server, (err) => (err ? reject(err) : resolve()));
        // close() already drops idle keep-alive sockets (Node >= 19); this also cuts requests in
        // flight, so stop() is prompt and nothing is served after it resolves.
        server.closeAllConnections();
      });
    },
    async restart() {
      if (listening || closed) return;
      await listen(server, port);
      listening = true;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const c of clients) c.destroy();
      if (!listening) return; // The in-memory store is simply garbage-collected.
      listening = false;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
