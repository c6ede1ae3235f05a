/**
 * dynalite (in-memory DynamoDB) in a child process of its own, as DynamoDB is a service of its own:
 * its work then runs on another core instead of the event loop of the brokers being measured.
 * Run directly (by `startDynaliteProcess`), it listens on 127.0.0.1:0 and reports the port.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensureTokenTable } from '../shared/adapters/dynamodb/token-table.js';

const TABLE = 'broker-token-cache';
const SELF = fileURLToPath(import.meta.url);

export interface DynaliteProcess {
  endpoint: string;
  tableName: string;
  /**
   * A client with the production token-table settings (`createTokenTableClient`: 2 attempts,
   * 500 ms connect / 1000 ms request timeout), pointed at this dynalite. Destroyed by `close`.
   */
  createClient(): DynamoDBClient;
  close(): Promise<void>;
}

export async function startDynaliteProcess(): Promise<DynaliteProcess> {
  const child: ChildProcess = fork(SELF, ['serve'], {
    execArgv: ['--import', 'tsx', '--no-warnings'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) =>
      reject(new Error(`dynalite exited with ${code}: ${stderr.trim()}`)),
    );
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const createClient = () => {
    const client = new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 2,
      requestHandler: {
        connectionTimeout: 500,
        requestTimeout: 1_000,
        throwOnRequestTimeout: true,
      },
    });
    clients.push(client);
    return client;
  };
  await ensureTokenTable(createClient(), TABLE);
  return {
    endpoint,
    tableName: TABLE,
    createClient,
    async close() {
      for (const client of clients) client.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[2] === 'serve' && process.send) {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => process.exit(0));
}
