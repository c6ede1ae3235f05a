import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../../functions/local/server.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { generateRsaKeyPemAsync } from '../../../shared/adapters/signing/signing-key-spec.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { SCOPE, standard, tempPolicyFile } from './support.js';

/**
 * Issue 11 §1: the local server fails closed. Whether it is reachable from other machines is read
 * from the address it bound, and with real keys (`MASKINPORTEN_ISSUER`) it serves the network only
 * under a policy file. `npm start`'s entry runs as a child process, so the exit code is real.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(ROOT, 'functions', 'local', 'main.ts');
const CALLER = 'arn:aws:iam::111122223333:role/local-exposure';

/** An address of this machine that is not loopback (a peer connecting to it is not loopback). */
const EXTERNAL_ADDRESS = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && !address.internal && address.family === 'IPv4')?.address;

let dir: string;
let realIssuerEnv: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'broker-exposure-'));
  const keyPath = join(dir, 'key.pem');
  writeFileSync(keyPath, await generateRsaKeyPemAsync());
  // A real issuer: nothing is fetched from it until the first token request.
  realIssuerEnv = {
    MASKINPORTEN_ISSUER: 'https://test.maskinporten.no/',
    MASKINPORTEN_CLIENT_ID: 'local-exposure-client',
    SIGNING_KEY: `file:${keyPath}`,
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm start` (tsx functions/local/main.ts) with exactly this environment, to its exit. */
function runMain(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnMain(env);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main.ts did not exit within 30 s; stdout: ${stdout}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `npm start` until its banner is complete, then stopped (SIGTERM): the banner it printed. */
function bannerOf(env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnMain(env);
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner within 30 s; stdout: ${stdout}`));
    }, 30_000);
    child.stderr?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('caller policy:')) {
        clearTimeout(timer);
        // Let the rest of the banner arrive, then stop the server this test started.
        setTimeout(() => child.kill('SIGTERM'), 200);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(stdout);
    });
  });
}

function spawnMain(env: Record<string, string>): ChildProcess {
  return spawn(TSX, [MAIN], {
    cwd: ROOT,
    // Only what the test names, so the developer's own settings cannot change the outcome.
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('npm start refuses to start exposed (child process, real exit code)', () => {
  it.each(['0.0.0.0', '::'])(
    'exits non-zero with a real issuer on %s and no BROKER_POLICY_FILE, naming the variable',
    async (host) => {
      const run = await runMain({ ...realIssuerEnv, HOST: host });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain('maskinporten-broker failed to start: refusing to start');
      expect(run.stderr).toContain('Set BROKER_POLICY_FILE');
      expect(run.stdout).not.toContain('listening on');
    },
  );

  it('exits non-zero on a blank BROKER_POLICY_FILE (never "no policy")', async () => {
    const run = await runMain({ ...realIssuerEnv, BROKER_POLICY_FILE: ' ' });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BROKER_POLICY_FILE is set but blank');
  });

  it('exits non-zero on a policy file that names a key twice', async () => {
    const file = tempPolicyFile(
      `{"rules":[{"callers":["${CALLER}"],"scopes":["krr:*"],"orgs":["910753614"],"orgs":"*"}]}`,
    );
    try {
      const run = await runMain({ ...realIssuerEnv, BROKER_POLICY_FILE: file.path });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /caller policy from BROKER_POLICY_FILE .*policy\.json is invalid: duplicate key "orgs" in rules\[0\]/,
      );
    } finally {
      file.cleanup();
    }
  });

  it('says plainly, on loopback with a real issuer and no policy, that every local process gets every token', async () => {
    const banner = await bannerOf({ ...realIssuerEnv, HOST: '127.0.0.1' });

    expect(banner).toContain('listening on http://127.0.0.1:');
    expect(banner).toContain(
      'WARNING: NO CALLER POLICY: every process on this machine may get every token this Maskinporten client can get',
    );
  });

  it('starts the sandbox on every interface, with a loud warning', async () => {
    const banner = await bannerOf({ HOST: '0.0.0.0' });

    expect(banner).toContain('listening on http://0.0.0.0:');
    expect(banner).toContain('WARNING: SANDBOX ON THE NETWORK');
  });

  it('starts quietly on loopback in sandbox mode', async () => {
    const banner = await bannerOf({});

    expect(banner).toContain('(sandbox mode)');
    expect(banner).not.toContain('WARNING');
  });
});

describe('the exposure decision reads the bound address, not how HOST is spelt', () => {
  const start = (env: Record<string, string>) =>
    startLocalServer({
      env: { PORT: '0', ...env },
      logger: new RecordingLogger(),
      metrics: new InMemoryMetrics(),
    });

  it.each(['0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '127.0.0.2', 'localhost'])(
    'treats HOST=%s as loopback: a real issuer starts without a policy (with its warning)',
    async (host) => {
      const logger = new RecordingLogger();
      const server = await startLocalServer({
        env: { PORT: '0', HOST: host, ...realIssuerEnv },
        logger,
        metrics: new InMemoryMetrics(),
      });
      try {
        expect(server.warnings).toEqual([expect.stringMatching(/^NO CALLER POLICY: /)]);
        expect(logger.entries).toContainEqual({ level: 'warn', message: server.warnings[0] });
      } finally {
        await server.close();
      }
    },
  );

  it.runIf(EXTERNAL_ADDRESS)(
    'refuses a real issuer on this machine’s own network address without a policy',
    async () => {
      await expect(start({ HOST: EXTERNAL_ADDRESS as string, ...realIssuerEnv })).rejects.toThrow(
        /^refusing to start: http:\/\/.* is reachable from other machines .* Set BROKER_POLICY_FILE/,
      );
    },
  );

  it('logs the effective policy at start: names, callers, counts and flags only', async () => {
    const file = tempPolicyFile({
      rules: [
        {
          name: 'exposure',
          callers: [CALLER],
          scopes: ['krr:global/kontaktinformasjon.read'],
          orgs: [standard.orgNo],
          skipCache: true,
        },
      ],
    });
    const logger = new RecordingLogger();
    const server = await startLocalServer({
      env: { PORT: '0', BROKER_POLICY_FILE: file.path },
      logger,
      metrics: new InMemoryMetrics(),
    });
    try {
      const line = logger.entries.find((entry) => entry.message === 'caller policy loaded');
      expect(line?.fields).toEqual({
        source: file.path,
        rules: [
          {
            name: 'exposure',
            callers: [CALLER],
            orgs: 1,
            flags: ['skipCache'],
            maxMissesPerMinute: 120,
          },
        ],
        extraAdministrativeScopes: 0,
      });
      expect(JSON.stringify(line?.fields)).not.toContain(standard.orgNo);
    } finally {
      await server.close();
      file.cleanup();
    }
  });
});

describe.runIf(EXTERNAL_ADDRESS)(
  'a policy-protected server on every interface (HOST=0.0.0.0, sandbox)',
  () => {
    let server: LocalServer;
    let file: ReturnType<typeof tempPolicyFile>;

    beforeAll(async () => {
      file = tempPolicyFile({
        rules: [{ callers: [CALLER], scopes: ['krr:*'], orgs: '*', vendorTokens: true }],
      });
      server = await startLocalServer({
        env: { PORT: '0', HOST: '0.0.0.0', BROKER_POLICY_FILE: file.path },
        logger: new RecordingLogger(),
        metrics: new InMemoryMetrics(),
      });
    });
    afterAll(async () => {
      await server.close();
      file.cleanup();
    });

    /** node:http, which sends the Host header it is given (fetch does not). */
    const ask = (address: string, headers: Record<string, string>) =>
      new Promise<{ status: number; json: { error?: string; error_description?: string } }>(
        (resolve, reject) => {
          const body = JSON.stringify({ scope: SCOPE, org: standard.orgNo });
          const request = httpRequest({
            host: address,
            port: new URL(server.url).port,
            method: 'POST',
            path: '/v1/token',
            headers: { 'content-type': 'application/json', ...headers },
            agent: false,
          });
          request.on('response', (response) => {
            let text = '';
            response.on('data', (chunk) => {
              text += chunk;
            });
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) }),
            );
          });
          request.on('error', reject);
          request.end(body);
        },
      );

    it('serves a loopback peer that names an allowed caller', async () => {
      const response = await ask('127.0.0.1', { 'broker-caller': CALLER });
      expect(response.status).toBe(200);
    });

    it('gives a peer on the network no identity: its broker-caller header is not honoured', async () => {
      const response = await ask(EXTERNAL_ADDRESS as string, { 'broker-caller': CALLER });

      expect(response.status).toBe(403);
      expect(response.json).toEqual({
        error: 'access_denied',
        error_description: 'the caller has no identity',
      });
    });

    it('refuses a Host that names anything but an address (DNS rebinding)', async () => {
      const response = await ask('127.0.0.1', { host: 'rebound.example', 'broker-caller': CALLER });

      expect(response.status).toBe(403);
      expect(response.json.error_description).toMatch(
        /^the Host header must name this server by an IP address or localhost/,
      );
    });
  },
);
