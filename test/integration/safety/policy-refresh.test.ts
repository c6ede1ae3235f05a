import { afterEach, describe, expect, it } from 'vitest';
import { OBSOLETE_POLICY_WARNING } from '../../../shared/config/secret-config.js';
import { DEMO } from '../../../shared/sandbox/demo.js';
import { FIXTURE_ROLE_ARN, POLICY_PARAMETER } from '../../support/broker-transports.js';
import {
  freshResource,
  type LambdaHarness,
  type LambdaHarnessOptions,
  SCOPE,
  standard,
  startLambdaHarness,
  withExternalRef,
} from './support.js';

/**
 * Issue 10 §5 (the runtime half): in AWS the caller policy is the SSM parameter
 * `BROKER_POLICY_PARAMETER`, read at start and again by the first request once it is 60 s old. A
 * valid new policy applies at once (a narrower one too); an unreadable or invalid one is refused
 * loudly and the last good policy stays. The broker and its sandbox share a clock the test moves.
 */

const rule = (orgs: string[] | '*', extra: Record<string, unknown> = {}) => ({
  rules: [{ name: 'payroll', callers: [FIXTURE_ROLE_ARN], scopes: ['krr:*'], orgs, ...extra }],
});
const BOTH_ORGS = rule([standard.orgNo, withExternalRef.orgNo]);
const ONE_ORG = rule([withExternalRef.orgNo]);

describe('the caller policy from the SSM parameter, re-read by warm instances', () => {
  const harnesses: LambdaHarness[] = [];
  let now = Date.now();
  const clock = () => now;
  const start = async (options: LambdaHarnessOptions) => {
    const harness = await startLambdaHarness({ clock, ...options });
    harnesses.push(harness);
    return harness;
  };
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
  });
  const tokenFor = (broker: LambdaHarness, org: string, resource: string) =>
    broker.call({ path: '/v1/token', body: { scope: SCOPE, org, resource } });

  it('applies a narrower policy on the first request once the policy is 60 s old, and not before', async () => {
    const broker = await start({ policy: BOTH_ORGS });
    const resource = freshResource('revoke');

    expect((await tokenFor(broker, standard.orgNo, resource)).status).toBe(200);
    expect(broker.policyReads()).toBe(1);
    broker.setPolicy(ONE_ORG);

    now += 59_999;
    const before = await tokenFor(broker, standard.orgNo, resource);
    expect(before.status).toBe(200);
    expect(before.headers['broker-token-source']).toBe('memory');
    expect(broker.policyReads()).toBe(1);

    now += 1;
    const after = await tokenFor(broker, standard.orgNo, resource);
    expect(after.status).toBe(403);
    expect(after.json.error_description).toBe(
      `caller ${FIXTURE_ROLE_ARN} may not get scope ${SCOPE} for org ${standard.orgNo}`,
    );
    expect(broker.policyReads()).toBe(2);
    expect(broker.logger.entries).toContainEqual({
      level: 'info',
      message: 'caller policy changed',
      fields: expect.objectContaining({
        source: `SSM parameter ${POLICY_PARAMETER}`,
        rules: [expect.objectContaining({ name: 'payroll', orgs: 1 })],
      }),
    });
  });

  it('applies a wider policy the same way', async () => {
    const broker = await start({ policy: ONE_ORG });
    const resource = freshResource('widen');
    expect((await tokenFor(broker, standard.orgNo, resource)).status).toBe(403);

    broker.setPolicy(BOTH_ORGS);
    now += 60_000;

    expect((await tokenFor(broker, standard.orgNo, resource)).status).toBe(200);
  });

  it.each([
    ['invalid', { rules: [{ callers: ['*'], scopes: ['*'], orgs: '*' }] }, /rules\.0\.callers\.0/],
    [
      'naming a key twice',
      `{"rules":[{"callers":["${FIXTURE_ROLE_ARN}"],"scopes":["krr:*"],"orgs":["${withExternalRef.orgNo}"],"orgs":"*"}]}`,
      /duplicate key "orgs" in rules\[0\]/,
    ],
    ['not JSON', '{"rules":', /is not valid JSON/],
  ])(
    'keeps the last good policy when the new one is %s: error log, metric',
    async (_, next, reason) => {
      const broker = await start({ policy: ONE_ORG });
      expect((await tokenFor(broker, standard.orgNo, freshResource('bad'))).status).toBe(403);
      broker.setPolicy(next);
      now += 60_000;

      const refused = await tokenFor(broker, standard.orgNo, freshResource('bad'));
      const allowed = await tokenFor(broker, withExternalRef.orgNo, freshResource('bad'));

      expect(refused.status).toBe(403);
      expect(allowed.status).not.toBe(500);
      expect(allowed.json.error).not.toBe('server_error');
      expect(broker.metrics.get('PolicyRefreshFailures')).toBe(1);
      const line = broker.logger.entries.find((entry) =>
        entry.message.startsWith('caller policy changed to an invalid one'),
      );
      expect(line?.level).toBe('error');
      expect(line?.fields?.['reason']).toMatch(reason);

      // Fixed in the parameter: the next read applies it.
      broker.setPolicy(BOTH_ORGS);
      now += 60_000;
      expect((await tokenFor(broker, standard.orgNo, freshResource('fixed'))).status).toBe(200);
    },
  );

  it('keeps the last good policy while the parameter cannot be read, and tries again after 5 s', async () => {
    const broker = await start({ policy: ONE_ORG });
    expect((await tokenFor(broker, standard.orgNo, freshResource('ssm'))).status).toBe(403);
    broker.setPolicy(BOTH_ORGS);
    broker.failPolicyRead(new Error('could not read SSM parameter (ThrottlingException)'));
    now += 60_000;

    expect((await tokenFor(broker, standard.orgNo, freshResource('ssm'))).status).toBe(403);
    expect(broker.metrics.get('PolicyRefreshFailures')).toBe(1);
    expect(broker.logger.entries).toContainEqual({
      level: 'error',
      message: 'caller policy could not be read: keeping the last good policy',
      fields: {
        source: `SSM parameter ${POLICY_PARAMETER}`,
        reason: 'could not read SSM parameter (ThrottlingException)',
      },
    });
    expect(broker.policyReads()).toBe(2);
    now += 4_999;
    await tokenFor(broker, standard.orgNo, freshResource('ssm'));
    expect(broker.policyReads()).toBe(2);
    now += 1;
    expect((await tokenFor(broker, standard.orgNo, freshResource('ssm'))).status).toBe(200);
    expect(broker.policyReads()).toBe(3);
  });

  it('fails the start (500 for every request, retried) on a policy with duplicate keys', async () => {
    const broker = await start({
      policy: `{"rules":[],"rules":[{"callers":["${FIXTURE_ROLE_ARN}"],"scopes":["*"],"orgs":"*"}]}`,
    });

    const response = await tokenFor(broker, standard.orgNo, freshResource('dup'));

    expect(response.status).toBe(500);
    expect(response.json.error_description).toBe('the broker is not configured correctly');
    expect(
      broker.logger.entries.find((e) => e.message === 'broker failed to start')?.fields,
    ).toEqual({
      reason: `caller policy from SSM parameter ${POLICY_PARAMETER} is invalid: duplicate key "rules"`,
    });
    expect(broker.sandbox.maskinporten.stats.tokenRequests).toBe(0);
  });

  it('logs the effective policy at start: names, callers, counts, flags', async () => {
    const broker = await start({
      policy: rule([standard.orgNo], { skipCache: true, roleIds: ['AROAEXAMPLEPAYROLL01'] }),
    });
    await tokenFor(broker, standard.orgNo, freshResource('summary'));

    expect(broker.logger.entries).toContainEqual({
      level: 'info',
      message: 'caller policy loaded',
      fields: {
        source: `SSM parameter ${POLICY_PARAMETER}`,
        rules: [
          {
            name: 'payroll',
            callers: [FIXTURE_ROLE_ARN],
            roleIds: 1,
            orgs: 1,
            flags: ['skipCache'],
            maxMissesPerMinute: 120,
          },
        ],
        extraAdministrativeScopes: 0,
      },
    });
  });

  it('never reads a policy left in an old secret, and says so', async () => {
    const broker = await start({
      policy: null,
      secret: {
        clientId: DEMO.clientId,
        policy: rule('*', { vendorTokens: true }),
      },
    });

    const response = await tokenFor(broker, standard.orgNo, freshResource('legacy'));

    expect(response.status).toBe(403);
    expect(response.json.error_description).toBe(
      `caller ${FIXTURE_ROLE_ARN} is not allowed to use the broker`,
    );
    expect(broker.logger.entries).toContainEqual({
      level: 'warn',
      message: OBSOLETE_POLICY_WARNING,
    });
  });
});

describe('binding a rule to the role’s unique id (API Gateway identity.caller)', () => {
  const harnesses: LambdaHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
  });

  it('allows the role with the bound id, and refuses a role of the same name with another id', async () => {
    const broker = await startLambdaHarness({
      policy: rule('*', { roleIds: ['AROAEXAMPLEPAYROLL01'] }),
    });
    harnesses.push(broker);
    const asRole = (caller: string | null) => {
      const event = broker.event({
        path: '/v1/token',
        body: { scope: SCOPE, org: standard.orgNo, resource: freshResource('role-id') },
      });
      const identity = { ...event.requestContext?.identity, caller, user: caller };
      return broker.handler({ ...event, requestContext: { ...event.requestContext, identity } });
    };

    const bound = await asRole('AROAEXAMPLEPAYROLL01:aamorosi');
    const recreated = await asRole('AROAEXAMPLEPAYROLL02:aamorosi');
    const fixture = await asRole('ABCAXZWZ5ZDPNIH6C6ODK:aamorosi');
    const none = await asRole(null);

    expect(bound.statusCode).toBe(200);
    for (const refused of [recreated, fixture, none]) {
      expect(refused.statusCode).toBe(403);
      expect(JSON.parse(refused.body).error_description).toBe(
        `caller ${FIXTURE_ROLE_ARN} is not allowed to use the broker`,
      );
    }
  });
});
