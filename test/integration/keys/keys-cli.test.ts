import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../../functions/local/server.js';
import { runKeys } from '../../../functions/ops/keys-commands.js';
import { resolveKeysTarget } from '../../../functions/ops/keys-connect.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { DEMO } from '../../../shared/sandbox/demo.js';
import type { Sandbox } from '../../../shared/sandbox/sandbox.js';
import { type KeyFile, type KeyFiles, keyFiles, signingEnv } from '../../support/key-files.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { rsaTestKey } from '../../support/rsa-jwks.js';

// Issue 14's done-when, against the sandbox's strict simulation of Digdir's self-service API, with
// `npm run keys` (runKeys + resolveKeysTarget, as keys-cli.ts wires them) and a real `npm start`
// (startLocalServer in sandbox mode, on the same key files). The rules are those of
// ../shared/reference/maskinporten-admin-api.md: §3 whole-set replacement (GET/POST .../jwks),
// §4 at most 5 keys per client, §5 a change reaches Maskinporten after a propagation delay,
// §7 access_token_lifetime on GET /clients/{id}.

let files: KeyFiles;
let k1: KeyFile;
let k2: KeyFile;
let server: LocalServer;
let sandbox: Sandbox;

beforeAll(async () => {
  files = await keyFiles();
  k1 = await files.key('broker-2026a');
  k2 = await files.key('broker-2026b');
  server = await startLocalServer({
    env: { PORT: '0', ...signingEnv(k1, k2) },
    logger: new RecordingLogger(),
    metrics: new InMemoryMetrics(),
  });
  sandbox = server.sandbox as Sandbox;
});
afterAll(async () => {
  await server.close();
  await files.remove();
});
beforeEach(() => {
  sandbox.maskinporten.selfService.setPropagationDelay(0);
  sandbox.maskinporten.selfService.replace(DEMO.clientId, [k1.jwk]);
  sandbox.faults.clear();
});

/** `npm run keys -- <argv> --sandbox <server>` with these variables; what it printed and its exit code. */
async function keys(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runKeys([...argv, '--sandbox', server.url], {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    target: (cliEnv, options) => resolveKeysTarget(cliEnv, { ...options, processEnv: env }),
  });
  return { code, stdout, stderr };
}

const stored = () =>
  sandbox.maskinporten.selfService.stored(DEMO.clientId)?.keys.map((key) => key.jwk.kid);
const writes = () => sandbox.selfService.stats.writes;

async function token(broker: LocalServer) {
  const response = await fetch(`${broker.url}/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scope: DEMO.scopes[0], skipCache: true }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('npm run keys -- sync (done-when, against the strict simulation)', () => {
  it('registers the next key and keeps the active; a second sync writes nothing', async () => {
    const before = writes();
    const first = await keys(['sync'], signingEnv(k1, k2));
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`added ${k2.kid}`);
    expect(stored()).toEqual([k1.kid, k2.kid]);
    expect(writes()).toBe(before + 1);

    const second = await keys(['sync'], signingEnv(k1, k2));
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Nothing to change');
    expect(writes()).toBe(before + 1);
  });

  it('a broker signing with the newly registered key gets tokens once the change has propagated', async () => {
    sandbox.maskinporten.selfService.setPropagationDelay(60_000);
    expect((await keys(['sync'], signingEnv(k1, k2))).code).toBe(0);
    const promoted = await startLocalServer({
      env: {
        PORT: '0',
        MASKINPORTEN_ISSUER: sandbox.issuer,
        MASKINPORTEN_CLIENT_ID: DEMO.clientId,
        ...signingEnv(k2, k1),
      },
      logger: new RecordingLogger(),
      metrics: new InMemoryMetrics(),
    });
    try {
      // §5: stored at once, accepted by Maskinporten only after the delay (MP-124 until then).
      const early = await token(promoted);
      expect(early.status).toBe(502);
      expect(JSON.stringify(early.body)).toContain('MP-124');
      // The minute passes: a change due now supersedes the one still travelling.
      sandbox.maskinporten.selfService.setPropagationDelay(0);
      sandbox.maskinporten.selfService.replace(DEMO.clientId, [k1.jwk, k2.jwk]);
      expect(await token(promoted)).toMatchObject({ status: 200 });
    } finally {
      await promoted.close();
    }
  });

  it('sync --prune after promotion leaves exactly the active key', async () => {
    sandbox.maskinporten.selfService.replace(DEMO.clientId, [k1.jwk, k2.jwk, rsaTestKey('x').jwk]);
    const pruned = await keys(['sync', '--prune'], signingEnv(k2));
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain(`removed ${k1.kid}, x`);
    expect(stored()).toEqual([k2.kid]);
  });

  it('refuses, changing nothing, a sync that would exceed 5 keys, naming the limit (exit 1)', async () => {
    const others = ['o1', 'o2', 'o3', 'o4'].map((kid) => rsaTestKey(kid).jwk);
    sandbox.maskinporten.selfService.replace(DEMO.clientId, [k1.jwk, ...others]);
    const before = writes();
    const refused = await keys(['sync'], signingEnv(k1, k2));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('Digdir allows at most 5 keys per client');
    expect(refused.stderr).toContain(`next ${k2.kid}`);
    expect(refused.stderr).toContain('kept o1, o2, o3, o4');
    expect(stored()).toEqual([k1.kid, 'o1', 'o2', 'o3', 'o4']);
    expect(writes()).toBe(before);
  });

  it('removes retired kids named in SIGNING_KIDS_RETIRED and keeps keys it does not know', async () => {
    sandbox.maskinporten.selfService.replace(DEMO.clientId, [
      k1.jwk,
      rsaTestKey('old-1').jwk,
      rsaTestKey('unknown').jwk,
    ]);
    const synced = await keys(['sync'], { ...signingEnv(k1), SIGNING_KIDS_RETIRED: 'old-1' });
    expect(synced.code).toBe(0);
    expect(stored()).toEqual([k1.kid, 'unknown']);
  });

  it('exits 1 with what Digdir said when the self-service API fails, and 2 for bad configuration', async () => {
    sandbox.faults.enqueue({
      endpoint: 'selvbetjening',
      status: 503,
      body: '{"status":503,"error":"unavailable","error_description":"Vedlikehold","correlation_id":"c-1"}',
    });
    const failed = await keys(['sync'], signingEnv(k1, k2));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('HTTP 503 unavailable: Vedlikehold (correlation id c-1)');

    expect((await keys(['sync'], {})).stderr).toContain('SIGNING_KEY is required');
    expect((await keys(['sync'], {})).code).toBe(2);
    const missingFile = await keys(['sync'], { SIGNING_KEY: `file:${files.dir}/none.pem` });
    expect(missingFile).toMatchObject({ code: 2 });
    expect(missingFile.stderr).toContain('cannot load the signing keys');
    const badKids = await keys(['sync'], { ...signingEnv(k1), SIGNING_KIDS_RETIRED: 'a b' });
    expect(badKids.code).toBe(2);
    const inUse = await keys(['sync'], { ...signingEnv(k1, k2), SIGNING_KIDS_RETIRED: k2.kid });
    expect(inUse).toMatchObject({ code: 2 });
    expect(inUse.stderr).toContain(`kid ${k2.kid} is listed as retired but is a key in use`);
  });

  it('refuses a key registered under its kid with another public key (exit 1, nothing written)', async () => {
    sandbox.maskinporten.selfService.replace(DEMO.clientId, [
      k1.jwk,
      { ...rsaTestKey(k2.kid).jwk },
    ]);
    const before = writes();
    const refused = await keys(['sync'], signingEnv(k1, k2));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `kid ${k2.kid} is registered at Digdir with another public key`,
    );
    expect(writes()).toBe(before);
  });
});

describe('npm run keys -- status', () => {
  it('names the active key and whether it is registered, and the next key not yet registered', async () => {
    const status = await keys(['status'], signingEnv(k1, k2));
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`active +${k1.kid}, registered, \\d+ s ago, Digdir exp`),
    );
    expect(status.stdout).toMatch(new RegExp(`next +${k2.kid}, not registered`));
    expect(status.stdout).toContain('not ready: not registered at Digdir; run sync');
    expect(status.stdout).toContain('Registered at Digdir now: 1 of 5');
    expect(status.stdout).toContain('Token lifetime (access_token_lifetime): 120 s');
  });

  it('exits 1 when Maskinporten refuses the admin grant signed with the active key', async () => {
    // §2: every admin call needs a token whose grant is signed with a registered key; an active key
    // Digdir does not hold cannot read or repair the set (the first registration is done by hand).
    const stranger = await files.key('not-registered');
    const status = await keys(['status'], signingEnv(stranger));
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('The broker could not get its admin token');
    expect(status.stderr).toContain('MP-124');
    expect(status.stderr).toContain('is the active key registered on the client?');
  });

  it('says "ready" only after the propagation delay and a token request signed with the next key', async () => {
    sandbox.maskinporten.selfService.setPropagationDelay(60_000);
    expect((await keys(['sync'], signingEnv(k1, k2))).code).toBe(0);
    const early = await keys(['status'], signingEnv(k1, k2));
    expect(early.stdout).toContain('a token request signed with it failed: MP-124');
    expect(early.stdout).toMatch(
      /not ready: registered \d+ s ago; wait \d+ s more for propagation/,
    );
    // The change reaches Maskinporten, and the (now 1 s) delay has passed since the registration.
    sandbox.maskinporten.selfService.setPropagationDelay(0);
    sandbox.maskinporten.selfService.replace(DEMO.clientId, [k1.jwk, k2.jwk]);
    sandbox.maskinporten.selfService.setPropagationDelay(1_000);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const ready = await keys(['status'], signingEnv(k1, k2));
    expect(ready.stdout).toContain('a token request signed with it succeeded');
    expect(ready.stdout).toContain('ready: it may be promoted to active');
  });

  it("uses the sandbox's own propagation delay, not Digdir's 2 minutes", async () => {
    sandbox.maskinporten.selfService.setPropagationDelay(4_000);
    expect((await keys(['sync'], signingEnv(k1, k2))).code).toBe(0);
    const status = await keys(['status', '--json'], signingEnv(k1, k2));
    const report = JSON.parse(status.stdout);
    expect(report.status.next.promotion.ready).toBe(false);
    // Waiting at most the sandbox's 4 s, whatever this machine's pace: never Digdir's 120 s.
    const wait = /wait (\d+) s more/.exec(report.status.next.promotion.reasons.join(' '));
    expect(Number(wait?.[1])).toBeLessThanOrEqual(4);
  });
});

describe('npm run keys (usage)', () => {
  it.each([
    [[], 'a command is needed'],
    [['rotate'], 'unknown command "rotate"'],
    [['status', '--prune'], '--prune is an option of sync'],
    [['sync', '--env', 'staging'], '--env must be one of sandbox, test, prod'],
    [['sync', '--force'], "Unknown option '--force'"],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const answer = await keys(argv, signingEnv(k1));
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain(message);
    expect(answer.stderr).toContain('Usage: npm run keys');
  });

  it('prints the usage with --help (exit 0)', async () => {
    const answer = await keys(['--help'], {});
    expect(answer).toMatchObject({ code: 0, stderr: '' });
    expect(answer.stdout).toContain(
      'Exit codes: 0 done, 1 refused by Digdir or by a rule, 2 bad input',
    );
  });
});
