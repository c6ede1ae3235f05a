import { startLocalServer } from '../../../functions/local/server.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import type { Sandbox } from '../../../shared/sandbox/sandbox.js';
import { RecordingLogger } from '../../support/recording-logger.js';

/** The real local server (`npm start`) in sandbox mode, as the client tests use it. */
export interface LocalBroker {
  /** `http://127.0.0.1:<port>` */
  url: string;
  sandbox: Sandbox;
  logger: RecordingLogger;
  /** `POST /v1/token` requests the broker answered, failures included (its audit lines). */
  tokenRequests(): number;
  close(): Promise<void>;
}

/** Starts the broker on loopback over the embedded sandbox; close it in `afterAll`. */
export async function startLocalBroker(env: Record<string, string> = {}): Promise<LocalBroker> {
  const logger = new RecordingLogger();
  const metrics = new InMemoryMetrics();
  const server = await startLocalServer({
    env: { PORT: '0', BROKER_DEADLINE_MS: '1500', ...env },
    logger,
    metrics,
  });
  const { sandbox } = server;
  if (!sandbox) throw new Error('expected sandbox mode');
  return {
    url: server.url,
    sandbox,
    logger,
    tokenRequests: () =>
      logger.entries.filter((entry) => entry.message.startsWith('token request')).length,
    close: () => server.close(),
  };
}
