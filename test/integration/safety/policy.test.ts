import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer } from '../../../functions/local/server.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import type { CallResult } from '../../support/broker-transports.js';
import { FIXTURE_ROLE_ARN } from '../../support/broker-transports.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import {
  agent,
  freshResource,
  type LambdaHarness,
  type LambdaHarnessOptions,
  type LocalHarness,
  OTHER_SCOPE,
  SCOPE,
  standard,
  startLambdaHarness,
  startLocalHarness,
  tempPolicyFile,
  withExternalRef,
} from './support.js';

const ACCOUNT = '111122223333';
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const PAYROLL = role('payroll-service');
const REPORTING = role('reporting-service');
const OPS = role('ops-admin');
const STRANGER = role('stranger');

/** Rule names are policy internals: they go to the audit log, never to a caller. */
const RULE_NAMES = ['rule-payroll-7f3a', 'rule-reporting-9c1b', 'rule-ops-2d4e'];

const POLICY = {
  rules: [
    {
      name: RULE_NAMES[0],
      callers: [PAYROLL],
      scopes: ['krr:*'],
      orgs: [standard.orgNo, agent.orgNo],
    },
    {
      name: RULE_NAMES[1],
      callers: [role('reporting-*')],
      scopes: [SCOPE],
      orgs: [agent.orgNo],
      vendorTokens: true,
    },
    {
      name: RULE_NAMES[2],
      callers: [OPS],
      scopes: ['*'],
      orgs: '*',
      vendorTokens: true,
      skipCache: true,
    },
  ],
};

/** A 403 that says what was denied and gives away nothing of the policy. */
function expectDenied(response: CallResult, says: string | RegExp) {
  expect(response.status).toBe(403);
  expect(response.json.error).toBe('access_denied');
  expect(typeof response.json.error_description).toBe('string');
  if (typeof says === 'string') expect(response.json.error_description).toContain(says);
  else expect(response.json.error_description).toMatch(says);
  for (const internal of [...RULE_NAMES, 'krr:*', 'reporting-*', 'rule']) {
    expect(response.text).not.toContain(internal);
  }
  expect(response.json.access_token).toBeUndefined();
  expect(Object.keys(response.json).sort()).toEqual(['error', 'error_description']);
}

describe('caller policy on the local server (BROKER_POLICY_FILE, broker-caller header)', () => {
  let broker: LocalHarness;
  let policyFile: ReturnType<typeof tempPolicyFile>;

  beforeAll(async () => {
    policyFile = tempPolicyFile(POLICY);
    broker = await startLocalHarness({ env: { BROKER_POLICY_FILE: policyFile.path } });
  });
  afterAll(async () => {
    await broker.close();
    policyFile.cleanup();
  });
  beforeEach(() => {
    broker.sandbox.maskinporten.faults.clear();
    broker.sandbox.maskinporten.stats.reset();
    broker.metrics.reset();
    broker.logger.entries.length = 0;
  });

  const tokenAs = (caller: string | undefined, body: Record<string, unknown>) =>
    broker.call({
      path: '/v1/token',
      body: { resource: freshResource('policy'), ...body },
      headers: caller === undefined ? {} : { 'broker-caller': caller },
    });

  it('gives an allowed caller the scope and org its rule allows', async () => {
    const response = await tokenAs(PAYROLL, { scope: SCOPE, org: standard.orgNo });

    expect(response.status).toBe(200);
    expect(response.json.access_token).toEqual(expect.any(String));
    const [line] = broker.logger.entries.filter((entry) => entry.message === 'token request');
    expect(line?.fields).toMatchObject({
      caller: PAYROLL,
      org: standard.orgNo,
      outcome: 'maskinporten',
    });
  });

  it('matches a role-name pattern (reporting-*) and a delegated consumerOrg inside its orgs', async () => {
    const response = await tokenAs(REPORTING, { scope: SCOPE, consumerOrg: agent.orgNo });

    expect(response.status).toBe(200);
  });

  it.each([
    [
      'another org',
      PAYROLL,
      { scope: SCOPE, org: withExternalRef.orgNo, externalRef: withExternalRef.externalRef },
      `caller ${PAYROLL} may not get scope ${SCOPE} for org ${withExternalRef.orgNo}`,
    ],
    [
      'another scope',
      PAYROLL,
      { scope: OTHER_SCOPE, org: standard.orgNo },
      `may not get scope ${OTHER_SCOPE} for org ${standard.orgNo}`,
    ],
    [
      'one scope too many',
      PAYROLL,
      { scope: [SCOPE, OTHER_SCOPE], org: standard.orgNo },
      `may not get scope ${SCOPE} ${OTHER_SCOPE} for org ${standard.orgNo}`,
    ],
    [
      'a plain vendor token without vendorTokens',
      PAYROLL,
      { scope: SCOPE },
      `may not get scope ${SCOPE} as a plain vendor token`,
    ],
    [
      'skipCache without permission',
      PAYROLL,
      { scope: SCOPE, org: standard.orgNo, skipCache: true },
      `may not get scope ${SCOPE} for org ${standard.orgNo} with skipCache`,
    ],
    [
      'a consumerOrg outside its orgs',
      REPORTING,
      { scope: SCOPE, consumerOrg: standard.orgNo },
      `may not get scope ${SCOPE} as a plain vendor token on behalf of ${standard.orgNo}`,
    ],
    [
      'an org token for a vendor-token rule outside its orgs',
      REPORTING,
      { scope: SCOPE, org: standard.orgNo },
      `may not get scope ${SCOPE} for org ${standard.orgNo}`,
    ],
    [
      'an unknown caller',
      STRANGER,
      { scope: SCOPE, org: standard.orgNo },
      `caller ${STRANGER} is not allowed to use the broker`,
    ],
    [
      'a caller in another account with an allowed role name',
      'arn:aws:iam::999999999999:role/payroll-service',
      { scope: SCOPE, org: standard.orgNo },
      'is not allowed to use the broker',
    ],
    [
      'a caller that names no identity (the local default)',
      undefined,
      { scope: SCOPE, org: standard.orgNo },
      'caller local is not allowed to use the broker',
    ],
    [
      'an empty broker-caller header (the local default)',
      '',
      { scope: SCOPE, org: standard.orgNo },
      'caller local is not allowed to use the broker',
    ],
  ])(
    'refuses %s with 403 access_denied, before Maskinporten',
    async (_what, caller, body, says) => {
      const response = await tokenAs(caller, body);

      expectDenied(response, says);
      expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(0);
      expect(broker.metrics.get('AccessDenied')).toBe(1);
      const audit = broker.logger.entries.filter((entry) =>
        entry.message.startsWith('token request'),
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]?.fields).toMatchObject({
        outcome: 'access_denied',
        caller: caller || 'local',
      });
    },
  );

  it('denies before the cache: a token cached for one caller never reaches another', async () => {
    const body = { scope: SCOPE, org: standard.orgNo, resource: freshResource('warm') };
    const warm = await broker.call({
      path: '/v1/token',
      body,
      headers: { 'broker-caller': PAYROLL },
    });
    const hit = await broker.call({
      path: '/v1/token',
      body,
      headers: { 'broker-caller': PAYROLL },
    });
    expect(warm.status).toBe(200);
    expect(hit.headers['broker-token-source']).toBe('memory');

    for (const caller of [STRANGER, REPORTING]) {
      const denied = await broker.call({
        path: '/v1/token',
        body,
        headers: { 'broker-caller': caller },
      });
      expectDenied(denied, `caller ${caller}`);
      expect(denied.text).not.toContain(warm.json.access_token);
    }
    const skipCache = await broker.call({
      path: '/v1/token',
      body: { ...body, skipCache: true },
      headers: { 'broker-caller': PAYROLL },
    });
    expectDenied(skipCache, 'with skipCache');
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(1);
    expect(broker.metrics.get('CacheHitMemory')).toBe(1);
  });

  it('lets a rule with skipCache refresh', async () => {
    const body = { scope: OTHER_SCOPE, resource: freshResource('ops') };
    const first = await tokenAs(OPS, body);
    const refreshed = await tokenAs(OPS, { ...body, skipCache: true });

    expect(first.status).toBe(200);
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.access_token).not.toBe(first.json.access_token);
  });

  it('validates input before authorising: a bad request is 400 whoever asks', async () => {
    const response = await tokenAs(STRANGER, { scope: SCOPE, org: '987654321' });

    expect(response.status).toBe(400);
    expect(response.json.error).toBe('invalid_request');
  });
});

describe('local server policy file at start', () => {
  const start = (path: string) =>
    startLocalServer({
      env: { PORT: '0', BROKER_POLICY_FILE: path },
      logger: new RecordingLogger(),
      metrics: new InMemoryMetrics(),
    });

  it.each([
    [
      'a caller that is not an ARN',
      { rules: [{ callers: ['payroll'], scopes: ['*'], orgs: '*' }] },
      /caller policy from .*policy\.json is invalid: rules\.0\.callers\.0: must be IAM ARNs/,
    ],
    [
      'a wildcard account',
      { rules: [{ callers: ['arn:aws:iam::*:role/x'], scopes: ['*'], orgs: '*' }] },
      /is invalid: rules\.0\.callers\.0: must name a 12-digit account/,
    ],
    [
      'an invalid orgnr',
      { rules: [{ callers: [PAYROLL], scopes: ['*'], orgs: ['987654321'] }] },
      /is invalid: rules\.0\.orgs/,
    ],
    [
      'an unknown member',
      { rules: [{ callers: [PAYROLL], scopes: ['*'], orgs: '*', admin: true }] },
      /is invalid: unknown field "admin"/,
    ],
    ['no rules member', { allow: '*' }, /is invalid/],
    ['text that is not JSON', '{"rules": [', /BROKER_POLICY_FILE .*policy\.json is not valid JSON/],
  ])('fails the start on %s with a clear message', async (_what, content, message) => {
    const file = tempPolicyFile(content);
    try {
      await expect(start(file.path)).rejects.toThrow(message);
    } finally {
      file.cleanup();
    }
  });

  it('fails the start when the file cannot be read', async () => {
    await expect(start('/nonexistent/broker-policy.json')).rejects.toThrow(
      'cannot read BROKER_POLICY_FILE /nonexistent/broker-policy.json: ENOENT',
    );
  });

  it('without a policy file, allows the one local identity anything, and ignores broker-caller', async () => {
    const broker = await startLocalHarness();
    try {
      const vendor = await broker.call({ path: '/v1/token', body: { scope: SCOPE } });
      const named = await broker.call({
        path: '/v1/token',
        body: { scope: SCOPE, org: standard.orgNo, skipCache: true },
        headers: { 'broker-caller': STRANGER },
      });

      expect(vendor.status).toBe(200);
      expect(named.status).toBe(200);
      const callers = broker.logger.entries
        .filter((entry) => entry.message === 'token request')
        .map((entry) => entry.fields?.['caller']);
      expect(callers).toEqual(['local', 'local']);
    } finally {
      await broker.close();
    }
  });
});

describe('caller policy on the Lambda handler (IAM identity, policy in the SSM parameter)', () => {
  const harnesses: LambdaHarness[] = [];
  const start = async (options: LambdaHarnessOptions) => {
    const harness = await startLambdaHarness(options);
    harnesses.push(harness);
    return harness;
  };
  afterAll(async () => {
    await Promise.all(harnesses.map((harness) => harness.close()));
  });
  const rule = (callers: string[]) => ({
    rules: [{ callers, scopes: ['*'], orgs: '*', vendorTokens: true, skipCache: true }],
  });

  it('denies every token request when no policy parameter is configured (deny by default)', async () => {
    const broker = await start({ policy: null });
    const bodies = [
      { scope: SCOPE },
      { scope: SCOPE, org: standard.orgNo },
      { scope: SCOPE, org: standard.orgNo, skipCache: true },
      { scope: OTHER_SCOPE, consumerOrg: agent.orgNo },
    ];

    for (const body of bodies) {
      expectDenied(
        await broker.call({ path: '/v1/token', body }),
        `caller ${FIXTURE_ROLE_ARN} is not allowed`,
      );
    }
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(0);
    expect(broker.logger.entries).toContainEqual({
      level: 'warn',
      message: 'no caller policy configured (BROKER_POLICY_PARAMETER): every request is denied',
    });
    expect(broker.logger.entries.find((e) => e.message === 'broker ready')?.fields).toMatchObject({
      policyRules: 0,
    });
  });

  it('answers 500 "not configured correctly" for a bad policy, never a token, and keeps refusing', async () => {
    const broker = await start({
      policy: { rules: [{ callers: ['*'], scopes: ['*'], orgs: '*' }] },
    });

    for (let i = 0; i < 2; i++) {
      const response = await broker.call({ path: '/v1/token', body: { scope: SCOPE } });
      expect(response.status).toBe(500);
      expect(response.json).toEqual({
        error: 'server_error',
        error_description: 'the broker is not configured correctly',
      });
    }
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(0);
    expect(broker.sandbox.maskinporten.stats.metadataRequests).toBe(0);
    const failures = broker.logger.entries.filter((e) => e.message === 'broker failed to start');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ level: 'error' });
    expect(failures[0]?.fields?.['reason']).toMatch(
      /caller policy from SSM parameter \/maskinporten-broker\/test\/caller-policy is invalid: rules\.0\.callers\.0/,
    );
  });

  it('maps the fixture’s STS session ARN to the role ARN the policy names', async () => {
    const byRole = await start({ policy: rule([FIXTURE_ROLE_ARN]) });
    const byPattern = await start({ policy: rule(['arn:aws:iam::123456789012:role/Adm*']) });
    const body = { scope: SCOPE, org: standard.orgNo };

    expect((await byRole.call({ path: '/v1/token', body })).status).toBe(200);
    expect((await byPattern.call({ path: '/v1/token', body })).status).toBe(200);
    const audit = byRole.logger.entries.find((e) => e.message === 'token request');
    expect(audit?.fields?.['caller']).toBe(FIXTURE_ROLE_ARN);
  });

  it('denies an event without userArn, whatever the headers say', async () => {
    const broker = await start({ policy: rule([FIXTURE_ROLE_ARN]) });
    const body = { scope: SCOPE };

    expectDenied(
      await broker.callAs(null, { path: '/v1/token', body }),
      'the caller has no identity',
    );
    const noIdentity = broker.event({ path: '/v1/token', body });
    noIdentity.requestContext = { requestId: 'r-1' };
    const response = await broker.handler(noIdentity);
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body).error).toBe('access_denied');
    const spoofed = await broker.callAs(null, {
      path: '/v1/token',
      body,
      headers: { 'broker-caller': FIXTURE_ROLE_ARN },
    });
    expectDenied(spoofed, 'the caller has no identity');
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(0);
  });

  it('ignores a broker-caller header in AWS: the IAM principal decides', async () => {
    const broker = await start({ policy: rule([PAYROLL]) });

    const response = await broker.call({
      path: '/v1/token',
      body: { scope: SCOPE },
      headers: { 'broker-caller': PAYROLL },
    });

    expectDenied(response, `caller ${FIXTURE_ROLE_ARN} is not allowed`);
  });
});
