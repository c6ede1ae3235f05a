import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powertoolsBrokerLogger } from '../../../shared/adapters/logging/powertools-logger.js';
import {
  type CallOptions,
  type CallResult,
  FIXTURE_ROLE_ARN,
} from '../../support/broker-transports.js';
import type { LogEntry } from '../../support/recording-logger.js';
import {
  captureOutput,
  freshResource,
  type Harness,
  type LambdaHarness,
  type LocalHarness,
  SCOPE,
  secretHits,
  standard,
  startLambdaHarness,
  startLocalHarness,
  tempPolicyFile,
  withExternalRef,
  withoutSystemUser,
} from './support.js';

const ALLOWED = 'arn:aws:iam::111122223333:role/audit-allowed';
const DENIED = 'arn:aws:iam::111122223333:role/audit-denied';
const DENIED_SESSION = 'arn:aws:sts::123456789012:assumed-role/Intruder/session-1';
const ALL = {
  scopes: ['*'],
  orgs: '*',
  vendorTokens: true,
  skipCache: true,
  externalRefs: '*',
  exchange: ['altinn'],
} as const;

/** One request and what the audit line for it must say (when it is a token request). */
interface Step {
  what: string;
  call: CallOptions;
  /** Lambda only: who signed the request (default: the fixture's role). */
  userArn?: string;
  status: number;
  audit?: Record<string, unknown>;
}

const token = (body: unknown, extra: Partial<CallOptions> = {}): CallOptions => ({
  path: '/v1/token',
  body,
  ...extra,
});

function traffic(allowedCaller: string): Step[] {
  const cached = { scope: SCOPE, org: standard.orgNo, resource: freshResource('audit') };
  const ref = {
    scope: SCOPE,
    org: withExternalRef.orgNo,
    externalRef: withExternalRef.externalRef,
  };
  const steps: Step[] = [
    {
      what: 'success',
      call: token(cached),
      status: 200,
      audit: { org: standard.orgNo, scopes: [SCOPE], outcome: 'maskinporten' },
    },
    { what: 'cache hit', call: token(cached), status: 200, audit: { outcome: 'memory' } },
    {
      what: 'externalRef',
      call: token({ ...ref, resource: freshResource('audit') }),
      status: 200,
      audit: {
        org: withExternalRef.orgNo,
        externalRef: withExternalRef.externalRef,
        outcome: 'maskinporten',
      },
    },
    {
      what: 'vendor token',
      call: token({ scope: SCOPE, resource: freshResource('audit') }),
      status: 200,
      audit: { outcome: 'maskinporten' },
    },
    {
      what: 'skipCache refresh',
      call: token({ ...cached, skipCache: true }),
      status: 200,
      audit: { outcome: 'maskinporten', skipCache: true },
    },
    {
      what: 'MP-303',
      call: token({ scope: SCOPE, org: withoutSystemUser.orgNo }),
      status: 403,
      audit: {
        org: withoutSystemUser.orgNo,
        outcome: 'upstream_refused',
        upstreamStatus: 400,
        upstreamError: 'invalid_altinn_customer_configuration',
        mpCode: 'MP-303',
      },
    },
    {
      what: 'MP-200',
      call: token({ scope: 'skatteetaten:not-granted' }),
      status: 403,
      audit: {
        scopes: ['skatteetaten:not-granted'],
        outcome: 'upstream_refused',
        upstreamStatus: 400,
        upstreamError: 'invalid_scope',
        mpCode: 'MP-200',
      },
    },
    {
      what: 'invalid orgnr',
      call: token({ scope: SCOPE, org: '987654321' }),
      status: 400,
      audit: { outcome: 'invalid_request' },
    },
    {
      what: 'unknown field',
      call: token({ scope: SCOPE, sub: 'x' }),
      status: 400,
      audit: { outcome: 'invalid_request' },
    },
    {
      what: 'not JSON',
      call: token('scope=x', { headers: { 'content-type': 'text/plain' } }),
      status: 415,
      audit: { outcome: 'unsupported_media_type' },
    },
    {
      what: 'malformed JSON',
      call: token('{"scope":', { headers: { 'content-type': 'application/json' } }),
      status: 400,
      audit: { outcome: 'invalid_request' },
    },
    {
      what: 'oversized body',
      call: token({ scope: 'x'.repeat(20_000) }),
      status: 413,
      audit: { outcome: 'payload_too_large' },
    },
    {
      what: 'upstream 503 (fault injected)',
      call: token({ scope: SCOPE, org: standard.orgNo, resource: freshResource('audit-fault') }),
      status: 502,
      audit: { outcome: 'upstream_unavailable', upstreamStatus: 503 },
    },
    {
      what: 'upstream grant rejection (fault injected)',
      call: token({ scope: SCOPE, resource: freshResource('audit-fault') }),
      status: 502,
      audit: { outcome: 'upstream_rejected_grant', upstreamStatus: 400, mpCode: 'MP-124' },
    },
    {
      what: 'denied caller',
      call: token(cached, { headers: { 'broker-caller': DENIED } }),
      userArn: DENIED_SESSION,
      status: 403,
      audit: { outcome: 'access_denied', org: standard.orgNo },
    },
    { what: 'not a token request: 404', call: { method: 'GET', path: '/v1/nope' }, status: 404 },
    { what: 'not a token request: 405', call: { method: 'GET', path: '/v1/token' }, status: 405 },
    { what: 'not a token request: jwks', call: { method: 'GET', path: '/v1/jwks' }, status: 200 },
  ];
  return steps.map((step) =>
    step.what === 'denied caller' || !step.call.path.startsWith('/v1/token') || step.call.method
      ? step
      : {
          ...step,
          call: { ...step.call, headers: { 'broker-caller': allowedCaller, ...step.call.headers } },
        },
  );
}

interface Run {
  harness: Harness;
  responses: CallResult[];
  tokenRequests: number;
}

describe('audit lines and secrets in logs, over both transports', () => {
  let output: ReturnType<typeof captureOutput>;
  let policy: ReturnType<typeof tempPolicyFile>;
  let local: LocalHarness;
  let lambda: LambdaHarness;
  const runs: Run[] = [];
  const issued = new Set<string>();
  /** A Powertools logger per transport: the real serialisation, written to stdout and captured. */
  const powertools = () =>
    powertoolsBrokerLogger(new Logger({ serviceName: 'maskinporten-broker', logLevel: 'DEBUG' }));

  beforeAll(async () => {
    output = captureOutput({ passThrough: false });
    policy = tempPolicyFile({ rules: [{ name: 'audit-rule', callers: [ALLOWED], ...ALL }] });
    local = await startLocalHarness({
      env: { BROKER_POLICY_FILE: policy.path },
      tee: powertools(),
    });
    lambda = await startLambdaHarness({
      policy: { rules: [{ callers: [FIXTURE_ROLE_ARN], ...ALL }] },
      tee: powertools(),
    });
  });
  afterAll(async () => {
    output?.stop();
    await local?.close();
    await lambda?.close();
    policy?.cleanup();
  });

  async function drive(harness: Harness, steps: Step[]): Promise<Run> {
    const run: Run = { harness, responses: [], tokenRequests: 0 };
    for (const step of steps) {
      const { faults } = harness.sandbox.maskinporten;
      faults.clear();
      if (step.what.startsWith('upstream 503'))
        faults.enqueue({ endpoint: 'token', status: 503, times: 3 });
      if (step.what.startsWith('upstream grant rejection')) {
        faults.enqueue({
          endpoint: 'token',
          status: 400,
          body: '{"error":"invalid_grant","error_description":"MP-124 Invalid assertion. Invalid JWT signature."}',
        });
      }
      const before = harness.logger.entries.length;
      const response =
        harness.name === 'lambda'
          ? await (harness as LambdaHarness).callAs(step.userArn ?? FIXTURE_ROLE_ARN, step.call)
          : await harness.call(step.call);
      run.responses.push(response);
      if (typeof response.json?.access_token === 'string') issued.add(response.json.access_token);

      expect(response.status, step.what).toBe(step.status);
      const audit = harness.logger.entries
        .slice(before)
        .filter(
          (entry) => entry.message === 'token request' || entry.message === 'token request failed',
        );
      if (!step.audit) {
        expect(audit, step.what).toEqual([]);
        continue;
      }
      run.tokenRequests++;
      expect(audit, step.what).toHaveLength(1);
      expectAuditLine(
        audit[0] as LogEntry,
        step,
        harness.name === 'lambda' ? step.userArn : undefined,
      );
    }
    return run;
  }

  function expectAuditLine(line: LogEntry, step: Step, userArn: string | undefined) {
    const fields = line.fields ?? {};
    expect(line.level, step.what).toBe(step.status === 200 ? 'info' : 'warn');
    expect(fields, step.what).toMatchObject(step.audit ?? {});
    expect(typeof fields['caller'], step.what).toBe('string');
    const body = step.call.body as Record<string, unknown> | undefined;
    if (step.what === 'denied caller') {
      expect(fields['caller']).toBe(userArn ? 'arn:aws:iam::123456789012:role/Intruder' : DENIED);
    }
    if (typeof body === 'object' && step.status !== 400 && step.status !== 413) {
      expect(fields['org'], step.what).toBe(body['org']);
      expect(fields['externalRef'], step.what).toBe(body['externalRef']);
      expect(fields['scopes'], step.what).toEqual([body['scope']].flat());
    }
    expect(typeof fields['outcome'], step.what).toBe('string');
    expect(fields['latencyMs'], step.what).toEqual(expect.any(Number));
    expect(fields['latencyMs'] as number, step.what).toBeGreaterThanOrEqual(0);
    if (step.status === 403 && fields['outcome'] === 'upstream_refused') {
      expect(fields['upstreamStatus'], step.what).toEqual(expect.any(Number));
      expect(fields['mpCode'], step.what).toMatch(/^MP-\d{3}$/);
    }
    for (const name of ['access_token', 'token', 'assertion', 'grant', 'signature']) {
      expect(fields, step.what).not.toHaveProperty(name);
    }
  }

  it('writes exactly one audit line per token request on the local server', async () => {
    runs.push(await drive(local, traffic(ALLOWED)));
    expect(runs.at(-1)?.tokenRequests).toBe(15);
  });

  it('writes exactly one audit line per token request on the Lambda handler', async () => {
    runs.push(await drive(lambda, traffic(FIXTURE_ROLE_ARN)));
    expect(runs.at(-1)?.tokenRequests).toBe(15);
  });

  it('logs no JWT, private key, private JWK member or issued token anywhere, and answers errors without them', () => {
    expect(runs).toHaveLength(2);
    expect(issued.size).toBeGreaterThanOrEqual(8);
    const captured = output.text();
    // The scan is not vacuous: the captured output holds the serialised audit lines, and a token
    // would be found.
    expect(captured).toContain('"message":"token request"');
    expect(captured).toContain('"message":"token request failed"');
    const [someToken] = issued;
    expect(secretHits(JSON.stringify({ leaked: someToken }), issued).length).toBeGreaterThan(0);

    for (const run of runs) {
      expect(secretHits(run.harness.logger.text(), issued), run.harness.name).toEqual([]);
      for (const response of run.responses.filter((r) => r.status >= 300)) {
        expect(secretHits(response.text, issued), response.text).toEqual([]);
        expect(response.text).not.toMatch(/grant_type=|assertion=/);
      }
    }
    expect(secretHits(captured, issued)).toEqual([]);
  });
});
