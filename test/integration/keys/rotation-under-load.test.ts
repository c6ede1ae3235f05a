import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../../functions/local/server.js';
import { runKeys } from '../../../functions/ops/keys-commands.js';
import { resolveKeysTarget } from '../../../functions/ops/keys-connect.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { DEMO, seedDemo } from '../../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../../shared/sandbox/sandbox.js';
import { type KeyFile, type KeyFiles, keyFiles, signingEnv } from '../../support/key-files.js';
import { RecordingLogger } from '../../support/recording-logger.js';

// Issue 14 §3: the whole rotation (next registered → promoted → old retired) against the sandbox,
// while a loop of token requests keeps going through real local servers, and not one of them
// fails. The sandbox stands alone (Digdir and Maskinporten); each "deploy" is a local server on
// the key configuration of the moment, as `npm start` with MASKINPORTEN_ISSUER pointing at it:
// the old one keeps answering until the new one takes the traffic (a Lambda deploy's overlap).
// Every request forces a fresh grant (`skipCache`), so each one is a Maskinporten check of the key
// it was signed with. Order from ../shared/reference/maskinporten-admin-api.md §5: add the next
// key; wait until a grant signed with it succeeds (and the delay has passed); switch; remove.

const PROPAGATION_MS = 400;
let files: KeyFiles;
let k1: KeyFile;
let k2: KeyFile;
let sandbox: SandboxServer;
const brokers: LocalServer[] = [];

beforeAll(async () => {
  files = await keyFiles();
  k1 = await files.key('broker-2026a');
  k2 = await files.key('broker-2026b');
  sandbox = await startSandboxServer({ propagationDelayMs: PROPAGATION_MS });
  seedDemo(sandbox, { publicJwk: k1.jwk });
});
afterAll(async () => {
  for (const broker of brokers) await broker.close();
  await sandbox.close();
  await files.remove();
});

async function deploy(env: Record<string, string>): Promise<LocalServer> {
  const broker = await startLocalServer({
    env: {
      PORT: '0',
      MASKINPORTEN_ISSUER: sandbox.issuer,
      MASKINPORTEN_CLIENT_ID: DEMO.clientId,
      ...env,
    },
    logger: new RecordingLogger(),
    metrics: new InMemoryMetrics(),
  });
  brokers.push(broker);
  return broker;
}

async function keys(argv: string[], env: Record<string, string>) {
  let out = '';
  const code = await runKeys([...argv, '--sandbox', sandbox.url], {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (out += chunk) },
    target: (cliEnv, options) => resolveKeysTarget(cliEnv, { ...options, processEnv: env }),
  });
  return { code, out };
}

/** Token requests from `workers` callers, back to back, to whichever broker takes the traffic. */
function trafficTo(first: LocalServer, workers = 3) {
  let target = first;
  let running = true;
  const inFlight = new Map<LocalServer, number>();
  const answers: { broker: string; status: number; detail?: string }[] = [];
  const worker = async () => {
    while (running) {
      const broker = target;
      inFlight.set(broker, (inFlight.get(broker) ?? 0) + 1);
      try {
        const response = await fetch(`${broker.url}/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ scope: DEMO.scopes[0], skipCache: true }),
        });
        const body = (await response.json()) as { error_description?: string };
        answers.push({
          broker: broker.kid,
          status: response.status,
          detail: body.error_description,
        });
      } finally {
        inFlight.set(broker, (inFlight.get(broker) ?? 1) - 1);
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return {
    answers,
    /** Sends new requests to `next`; resolves when nothing is in flight to the old broker. */
    async switchTo(next: LocalServer) {
      const old = target;
      target = next;
      while ((inFlight.get(old) ?? 0) > 0) await sleep(5);
    },
    /** Lets at least `count` more answers arrive. */
    async flow(count: number) {
      const until = answers.length + count;
      while (answers.length < until) await sleep(5);
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilReady(env: Record<string, string>): Promise<string> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const status = await keys(['status'], env);
    if (status.out.includes('ready: it may be promoted')) return status.out;
    await sleep(100);
  }
  throw new Error('the next key never became ready');
}

describe('a whole rotation with tokens flowing', () => {
  it('registers, promotes and retires without one failed token request', async () => {
    const before = await deploy(signingEnv(k1, k2));
    const traffic = trafficTo(before);
    try {
      await traffic.flow(20);

      // 1. The deploy added a next key: sync registers it, the active one stays.
      const added = await keys(['sync'], signingEnv(k1, k2));
      expect(added.code, added.out).toBe(0);
      expect(added.out).toContain(`added ${k2.kid}`);
      await traffic.flow(20);

      // 2. Wait for "ready": registered longer than the delay, and a grant signed with it worked.
      expect(await untilReady(signingEnv(k1, k2))).toContain(`next     ${k2.kid}, registered`);

      // 3. Promote and deploy: the new broker signs with k2 and publishes k1 as the previous key.
      const promoted = await deploy(signingEnv(k2, k1));
      await traffic.flow(10);
      await traffic.switchTo(promoted);
      await before.close();
      await traffic.flow(20);

      // 4. Retire and deploy: k1 leaves the configuration and the client.
      const retired = await deploy({ ...signingEnv(k2), SIGNING_KIDS_RETIRED: k1.kid });
      await traffic.switchTo(retired);
      await promoted.close();
      const removed = await keys(['sync'], { ...signingEnv(k2), SIGNING_KIDS_RETIRED: k1.kid });
      expect(removed.code, removed.out).toBe(0);
      expect(removed.out).toContain(`removed ${k1.kid}`);
      await sleep(PROPAGATION_MS + 200);
      await traffic.flow(20);
    } finally {
      await traffic.stop();
    }

    const failed = traffic.answers.filter((answer) => answer.status !== 200);
    expect(failed).toEqual([]);
    expect(traffic.answers.length).toBeGreaterThanOrEqual(90);
    expect(new Set(traffic.answers.map((answer) => answer.broker))).toEqual(
      new Set([k1.kid, k2.kid]),
    );
    expect(
      sandbox.maskinporten.selfService.stored(DEMO.clientId)?.keys.map((k) => k.jwk.kid),
    ).toEqual([k2.kid]);
    // The retired key no longer gets a token: Maskinporten does not know it (MP-124).
    const stale = await deploy(signingEnv(k1));
    const answer = await fetch(`${stale.url}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scope: DEMO.scopes[0] }),
    });
    expect(answer.status).toBe(502);
    expect(await answer.text()).toContain('MP-124');
  });
});
