import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsOption } from '../../client/src/request-signer.js';
import { classify, GATEWAY_DESCRIPTIONS } from '../../functions/canary/smoke-checks.js';
import { type LocalServer, startLocalServer } from '../../functions/local/server.js';
import { type BrokerEnvironmentConfig, ENVIRONMENTS } from '../../infra/config.js';
import { GATEWAY_ANSWERS } from '../../infra/constructs/token-api.js';
import { runSmoke } from '../../infra/ops/smoke.js';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import { DEMO } from '../../shared/sandbox/demo.js';
import {
  type ApiGatewayStandIn,
  type StandInCaller,
  startApiGatewayStandIn,
} from '../support/api-gateway-stand-in.js';
import { loopbackFetch } from '../support/loopback-fetch.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { secretHits, tempPolicyFile } from './safety/support.js';

// `npm run smoke` against the local server (npm start's, over the sandbox) behind a loopback
// stand-in for the private API: one listener per VPC endpoint, SigV4 verified, the resource policy
// and each caller's IAM policy applied, API Gateway's own 403s in the stack's gateway responses.

const ACCOUNT = '111111111111';
const API_ID = 'a1b2c3d4e5';
const SCOPE = DEMO.scopes[0];
const ENDPOINTS = ['vpce-0aaaaaaaaaaaaaaa1', 'vpce-0aaaaaaaaaaaaaaa2'];
const DENIED_ENDPOINT = 'vpce-0dddddddddddddddd';
const config: BrokerEnvironmentConfig = {
  ...ENVIRONMENTS.test,
  network: { ...ENVIRONMENTS.test.network, executeApiVpcEndpointIds: ENDPOINTS },
  smokeTest: { ...ENVIRONMENTS.test.smokeTest, scope: SCOPE },
};
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const routeArn = (method: string, path: string) =>
  `arn:aws:execute-api:${config.region}:${ACCOUNT}:${API_ID}/test/${method}${path}`;
const HEALTH = routeArn('GET', '/v1/health');
const TOKEN = routeArn('POST', '/v1/token');

/** A caller: its credentials, its STS session, and the routes its IAM policy lets it invoke. */
function caller(name: string, routes: readonly string[]): StandInCaller & { role: string } {
  return {
    role: role(name),
    credentials: {
      accessKeyId: `ASIA${name
        .toUpperCase()
        .replace(/[^A-Z]/g, '')
        .padEnd(16, 'X')}`,
      secretAccessKey: `secret-${name}`,
      sessionToken: `token-${name}`,
    },
    sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/smoke`,
    mayInvoke: (arn) => routes.includes(arn),
  };
}
const runner = caller('smoke-runner', [HEALTH, TOKEN]);
const healthOnly = caller('health-only', [HEALTH]);
const unlisted = caller('not-in-policy', [HEALTH, TOKEN]);

describe('npm run smoke', () => {
  let server: LocalServer;
  let standIn: ApiGatewayStandIn;
  let cleanup: () => void;
  let fetchVia: typeof fetch;

  async function smoke(
    argv: string[],
    credentials: CredentialsOption = runner.credentials,
    env = config,
  ) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSmoke(argv, {
      stdout: { write: (chunk: string) => out.push(chunk) },
      stderr: { write: (chunk: string) => err.push(chunk) },
      environments: { test: env },
      credentials,
      fetch: fetchVia,
      lookupApiId: async () => API_ID,
    });
    return { code, out: out.join(''), err: err.join('') };
  }
  const line = (out: string, target: string, check: string) =>
    out.split('\n').find((l) => l.includes(target) && l.includes(` ${check} `)) ?? '';

  beforeAll(async () => {
    const policy = tempPolicyFile({
      rules: [
        {
          name: 'infra:smoke-test',
          callers: [runner.role, healthOnly.role],
          scopes: [SCOPE],
          orgs: [],
          vendorTokens: true,
        },
      ],
    });
    cleanup = policy.cleanup;
    server = await startLocalServer({
      env: { PORT: '0', BROKER_POLICY_FILE: policy.path, BROKER_DEADLINE_MS: '3000' },
      logger: new RecordingLogger(),
      metrics: new InMemoryMetrics(),
    });
    standIn = await startApiGatewayStandIn({
      region: config.region,
      accountId: ACCOUNT,
      apiId: API_ID,
      stage: 'test',
      vpceIds: ENDPOINTS,
      deniedVpceIds: [DENIED_ENDPOINT],
      callerAccountIds: [ACCOUNT],
      callers: () => [runner, healthOnly, unlisted],
      async backend(request) {
        // The local server knows the caller from Broker-Caller (loopback only, with a policy file).
        const answer = await fetch(`${server.url}${request.path}`, {
          method: request.method,
          headers: {
            'content-type': request.headers['content-type'] ?? 'application/json',
            'broker-caller': request.sessionArn
              .replace(':sts::', ':iam::')
              .replace(/:assumed-role\/([^/]+)\/.*$/, ':role/$1'),
          },
          ...(request.body ? { body: request.body } : {}),
        });
        return {
          status: answer.status,
          headers: Object.fromEntries(answer.headers),
          body: await answer.text(),
        };
      },
    });
    const ports = new Map<string, number>();
    for (const [vpce, url] of standIn.baseUrls) {
      ports.set(
        `${API_ID}-${vpce}.execute-api.${config.region}.amazonaws.com`,
        Number(new URL(url).port),
      );
    }
    fetchVia = loopbackFetch(ports);
  });
  afterAll(async () => {
    await standIn?.close();
    await server?.close();
    cleanup?.();
  });

  it('reports a 5xx from the broker when Maskinporten is down (before anything is cached)', async () => {
    server.sandbox?.maskinporten.faults.enqueue({ endpoint: 'token', status: 503, times: 20 });
    try {
      const { code, out } = await smoke(['--env', 'test']);
      expect(code).toBe(1);
      expect(line(out, ENDPOINTS[0] as string, 'health')).toMatch(/^OK /);
      expect(line(out, ENDPOINTS[0] as string, 'token')).toMatch(
        /^FAIL .* server-error: 50\d from the broker: temporarily_unavailable/,
      );
    } finally {
      server.sandbox?.maskinporten.faults.clear();
    }
  });

  it('passes through every VPC endpoint, signed, and prints no token', async () => {
    const { code, out } = await smoke(['--env', 'test']);

    expect(code).toBe(0);
    expect(out).toContain(
      `Smoke test of test: API ${API_ID}, stage test, eu-north-1, scope ${SCOPE}`,
    );
    for (const endpoint of ENDPOINTS) {
      expect(line(out, endpoint, 'health')).toMatch(/^OK .* 200 \{"status":"ok"\}/);
      expect(line(out, endpoint, 'token')).toMatch(
        new RegExp(
          `^OK .* 200 token for ${SCOPE.replace(/[/.]/g, '\\$&')} \\(expires in \\d+ s, from (maskinporten|memory)\\)`,
        ),
      );
    }
    expect(out).toContain('All 4 checks passed.');
    expect(secretHits(out)).toEqual([]);
  });

  it("names the broker's caller policy when it refuses the smoke scope", async () => {
    const { code, out } = await smoke(['--env', 'test'], unlisted.credentials);

    expect(code).toBe(1);
    expect(line(out, ENDPOINTS[0] as string, 'health')).toMatch(/^OK /);
    expect(line(out, ENDPOINTS[0] as string, 'token')).toContain(
      "caller-policy: 403 from the broker's caller policy: caller arn:aws:iam::111111111111:role/not-in-policy is not allowed to use the broker",
    );
    expect(out).toContain('2 of 4 checks failed.');
  });

  it("names API Gateway when the caller's IAM policy does not allow the route", async () => {
    const { code, out } = await smoke(['--env', 'test'], healthOnly.credentials);

    expect(code).toBe(1);
    expect(line(out, ENDPOINTS[1] as string, 'health')).toMatch(/^OK /);
    expect(line(out, ENDPOINTS[1] as string, 'token')).toMatch(
      /gateway-denied: 403 from API Gateway \(AccessDeniedException\): the API's resource policy .* or the caller's IAM policy/,
    );
  });

  it('names API Gateway when the resource policy does not admit the endpoint', async () => {
    const throughDenied = {
      ...config,
      network: {
        ...config.network,
        executeApiVpcEndpointIds: [ENDPOINTS[0] as string, DENIED_ENDPOINT],
      },
    };
    const ports = new Map<string, number>();
    for (const [vpce, url] of standIn.baseUrls) {
      ports.set(
        `${API_ID}-${vpce}.execute-api.${config.region}.amazonaws.com`,
        Number(new URL(url).port),
      );
    }
    const { code, out } = await smoke(['--env', 'test'], runner.credentials, throughDenied);

    expect(code).toBe(1);
    expect(line(out, ENDPOINTS[0] as string, 'token')).toMatch(/^OK /);
    expect(line(out, DENIED_ENDPOINT, 'health')).toMatch(
      /^FAIL .* gateway-denied: 403 from API Gateway/,
    );
    expect(line(out, DENIED_ENDPOINT, 'token')).toMatch(/^FAIL .* gateway-denied/);
  });

  it('names DNS when the host does not resolve', async () => {
    const { code, out } = await smoke([
      '--env',
      'test',
      '--base-url',
      'https://smoke-test.invalid/test',
    ]);

    expect(code).toBe(1);
    expect(out).toMatch(
      /FAIL .* health +dns: smoke-test\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });

  it('names the connection when nothing listens, and the timeout when nothing answers', async () => {
    const closed = await listening();
    const closedPort = port(closed);
    await new Promise((resolve) => closed.close(resolve));
    const silent = await listening();
    try {
      const { code, out } = await smoke([
        '--env',
        'test',
        '--timeout',
        '1000',
        '--base-url',
        `http://127.0.0.1:${closedPort}/test`,
        '--base-url',
        `http://127.0.0.1:${port(silent)}/test`,
      ]);
      expect(code).toBe(1);
      expect(out).toMatch(
        new RegExp(`FAIL .*${closedPort}/test +health +connection: could not connect`),
      );
      expect(out).toMatch(
        new RegExp(`FAIL .*${port(silent)}/test +token +timeout: no answer within 1000 ms`),
      );
    } finally {
      silent.close();
    }
  });

  it('exits 2 on a usage error, an unknown API id or missing credentials', async () => {
    expect((await smoke([])).code).toBe(2);
    expect((await smoke(['--env', 'staging'])).err).toContain('Unknown environment "staging"');
    expect((await smoke(['--env', 'test', '--timeout', 'soon'])).code).toBe(2);
    const lookupFails = await runSmoke(['--env', 'test'], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      environments: { test: config },
      lookupApiId: async () => {
        throw new Error('Stack with id MaskinportenBroker-test-stateless does not exist');
      },
    });
    expect(lookupFails).toBe(2);
    const noCredentials = await smoke(['--env', 'test'], async () => {
      throw new Error('Could not load credentials from any providers');
    });
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.out).toContain('signing: could not sign: Could not load credentials');
  });

  it('is the npm run smoke command (usage error exits 2)', async () => {
    const run = promisify(execFile);
    const failure = await run('npx', ['tsx', 'infra/ops/smoke.ts', '--env', 'nowhere'], {
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('Usage: npm run smoke -- --env');
  });
});

describe('who answered a failure', () => {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers(headers),
    json: body,
  });

  it("knows every fixed text of the stack's gateway responses, and no other", () => {
    const fixed = GATEWAY_ANSWERS.filter((a) => !a.description.startsWith('$context')).map(
      (a) => JSON.parse(a.description) as string,
    );
    expect([...GATEWAY_DESCRIPTIONS].sort()).toEqual(fixed.sort());
  });

  it('tells API Gateway from the broker by x-amzn-ErrorType or the body', () => {
    expect(
      classify(answer(403, { message: 'Forbidden' }, { 'x-amzn-errortype': 'ForbiddenException' }))
        .kind,
    ).toBe('gateway-denied');
    expect(
      classify(
        answer(
          403,
          { message: 'Missing Authentication Token' },
          {
            'x-amzn-errortype': 'MissingAuthenticationTokenException',
          },
        ),
      ).kind,
    ).toBe('gateway-not-found');
    // The stack's ACCESS_DENIED response without the header: its text gives it away.
    expect(
      classify(
        answer(403, {
          error: 'access_denied',
          error_description: 'this IAM principal or network path may not invoke the broker',
        }),
      ).kind,
    ).toBe('gateway-denied');
    expect(
      classify(answer(403, { error: 'access_denied', error_description: 'caller x may not y' }))
        .kind,
    ).toBe('caller-policy');
    expect(
      classify(
        answer(
          502,
          { error: 'server_error', error_description: 'Internal server error' },
          {
            'x-amzn-errortype': 'InternalServerErrorException',
          },
        ),
      ).detail,
    ).toBe(
      '502 from API Gateway (InternalServerErrorException): server_error: Internal server error',
    );
    expect(
      classify(answer(429, { error: 'temporarily_unavailable', error_description: 'slow down' }))
        .kind,
    ).toBe('unexpected');
  });
});

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(() => {});
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function port(server: Server): number {
  return (server.address() as { port: number }).port;
}
