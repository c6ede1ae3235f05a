import { describe, expect, it } from 'vitest';
import {
  type BrokerEnvironmentConfig,
  cdkExecutionRoleArn,
  ENVIRONMENTS,
  EnvironmentConfigError,
  functionRoleArn,
  liveSigningKeys,
  resolveEnvironment,
  retiredSigningKeys,
  signingKeyAlias,
  validateEnvironment,
} from '../../infra/config.js';
import {
  functionTimeoutSeconds,
  integrationTimeoutMs,
  reservedConcurrency,
} from '../../infra/sizing.js';

const withChanges = (changes: Partial<BrokerEnvironmentConfig>): BrokerEnvironmentConfig => ({
  ...ENVIRONMENTS.test,
  ...changes,
});

describe('infra/config', () => {
  it.each(['test', 'prod'] as const)('%s is complete and valid', (name) => {
    expect(validateEnvironment(ENVIRONMENTS[name])).toEqual([]);
    expect(resolveEnvironment(name).name).toBe(name);
  });

  it('points test at Maskinporten test and TT02, prod at production', () => {
    expect(ENVIRONMENTS.test.maskinportenIssuer).toBe('https://test.maskinporten.no/');
    expect(ENVIRONMENTS.test.altinnPlatformUrl).toBe('https://platform.tt02.altinn.no');
    expect(ENVIRONMENTS.prod.maskinportenIssuer).toBe('https://maskinporten.no/');
    expect(ENVIRONMENTS.prod.altinnPlatformUrl).toBe('https://platform.altinn.no');
    expect(ENVIRONMENTS.prod.tableDeletionProtection).toBe(true);
  });

  it('names the valid environments for an unknown or missing one', () => {
    expect(() => resolveEnvironment('staging')).toThrow(
      'Unknown environment "staging": valid environments are test, prod',
    );
    expect(() => resolveEnvironment(undefined)).toThrow(
      /No environment selected: pass -c env=<name> \(valid: test, prod\)/,
    );
    expect(() => resolveEnvironment('toString')).toThrow(/Unknown environment "toString"/);
    expect(() => resolveEnvironment('staging')).toThrow(EnvironmentConfigError);
  });

  it('lists every problem of an incomplete environment', () => {
    const broken = withChanges({
      account: '',
      network: { vpcId: 'vpc-0aaaaaaaaaaaaaaa1', executeApiVpcEndpointIds: [] },
      maskinportenIssuer: 'http://test.maskinporten.no/',
    });
    expect(() => resolveEnvironment('test', { test: broken })).toThrow(
      /Environment "test" is incomplete or invalid[\s\S]*account must be a 12-digit[\s\S]*maskinportenIssuer[\s\S]*executeApiVpcEndpointIds/,
    );
  });

  it.each([
    [[{ name: 'a' }], 'exactly one key must be active'],
    [
      [
        { name: 'a', active: true },
        { name: 'b', active: true },
      ],
      'exactly one key must be active',
    ],
    [[{ name: 'a', active: true }, { name: 'b' }, { name: 'c' }], 'at most one key may be next'],
    [
      [
        { name: 'a', active: true },
        { name: 'a', retired: true },
      ],
      'names must be unique',
    ],
    [[{ name: 'K 1', active: true }], 'names must be lowercase'],
    [
      [
        { name: 'a', active: true },
        { name: 'old', retired: true },
      ],
      'retired key old needs the kid it was registered under',
    ],
    [
      [
        { name: 'a', active: true },
        { name: 'old', retired: true, kid: 'not a kid' },
      ],
      'retired key old needs the kid',
    ],
    [[{ name: 'a', active: true, kid: 'k-a' }], 'kid is only for retired keys (a)'],
  ])('rejects signing keys %j', (signingKeys, problem) => {
    expect(validateEnvironment(withChanges({ signingKeys })).join('\n')).toContain(problem);
  });

  it.each([
    [{ subnetIds: [] }, 'keySync.subnetIds must hold at least one subnet-'],
    [{ subnetIds: ['subnet-x'] }, 'keySync.subnetIds must hold at least one subnet-'],
    [{ securityGroupIds: ['vpc-0aaaaaaaaaaaaaaa1'] }, 'keySync.securityGroupIds'],
    [
      { maxActiveKeyAgeDays: 7 },
      'keySync.maxActiveKeyAgeDays must be a whole number of days, 30-3650',
    ],
    [{ expiryWarningDays: 0 }, 'keySync.expiryWarningDays must be a whole number of days, 1-180'],
  ])('rejects the key sync settings %j', (change, problem) => {
    const keySync = { ...ENVIRONMENTS.test.keySync, ...change };
    expect(validateEnvironment(withChanges({ keySync })).join('\n')).toContain(problem);
  });

  it.each([
    [{ subnetIds: [] }, 'smokeTest.canary.subnetIds must hold at least one subnet-'],
    [{ subnetIds: ['subnet-x'] }, 'smokeTest.canary.subnetIds must hold at least one subnet-'],
    [{ securityGroupIds: [] }, 'smokeTest.canary.securityGroupIds must hold at least one sg-'],
  ])('rejects the canary placement %j', (change, problem) => {
    const { smokeTest } = ENVIRONMENTS.test;
    const canary = { ...smokeTest.canary, ...change };
    expect(
      validateEnvironment(withChanges({ smokeTest: { ...smokeTest, canary } })).join('\n'),
    ).toContain(problem);
  });

  it('rejects a canary role shared with the broker, the key sync or ops', () => {
    const { names, access } = ENVIRONMENTS.test;
    for (const canaryRole of [names.functionRole, names.keySyncRole]) {
      const problems = validateEnvironment(withChanges({ names: { ...names, canaryRole } }));
      expect(problems.join('\n')).toContain('names.canaryRole must be a role of its own');
    }
    const asOps = withChanges({
      access: {
        ...access,
        opsRoleArn: 'arn:aws:iam::111111111111:role/maskinporten-broker-test-canary',
      },
    });
    expect(validateEnvironment(asOps).join('\n')).toContain(
      'access: the canary role must not be the ops role or a key admin',
    );
  });

  it("rejects a self-service base that is not https with a trailing slash, and a key sync role that is the broker's", () => {
    const problems = validateEnvironment(
      withChanges({
        maskinportenAdminUrl: 'https://api.samarbeid.digdir.no/api/v1',
        names: { ...ENVIRONMENTS.test.names, keySyncRole: ENVIRONMENTS.test.names.functionRole },
      }),
    ).join('\n');
    expect(problems).toContain('maskinportenAdminUrl must be https, ending /');
    expect(problems).toContain('names.keySyncRole must differ from names.functionRole');
  });

  it('finds the active and next key, ignoring retired ones', () => {
    const rotating = withChanges({
      signingKeys: [
        { name: 'old', retired: true, kid: 'old-kid' },
        { name: 'cur', active: true },
        { name: 'new' },
      ],
    });
    expect(retiredSigningKeys(rotating)).toEqual([{ name: 'old', kid: 'old-kid' }]);
    expect(liveSigningKeys(rotating)).toEqual({
      active: { name: 'cur', active: true },
      next: { name: 'new' },
    });
    expect(liveSigningKeys(ENVIRONMENTS.test).next).toBeUndefined();
    expect(signingKeyAlias('prod', 'k2026a')).toBe('alias/maskinporten-broker/prod/k2026a');
  });
});

describe('access roles', () => {
  const exec = cdkExecutionRoleArn(ENVIRONMENTS.test);

  it("names CloudFormation's execution role after the account, region and bootstrap qualifier", () => {
    expect(exec).toBe(
      'arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-north-1',
    );
    expect(cdkExecutionRoleArn({ ...ENVIRONMENTS.test, bootstrapQualifier: 'corp1' })).toBe(
      'arn:aws:iam::111111111111:role/cdk-corp1-cfn-exec-role-111111111111-eu-north-1',
    );
    expect(functionRoleArn(ENVIRONMENTS.prod)).toBe(
      'arn:aws:iam::222222222222:role/maskinporten-broker-prod-token',
    );
    for (const env of ['test', 'prod'] as const) {
      expect(ENVIRONMENTS[env].access.keyAdminRoleArns).toContain(
        cdkExecutionRoleArn(ENVIRONMENTS[env]),
      );
    }
  });

  it.each([
    [{ keyAdminRoleArns: [] }, 'access.keyAdminRoleArns must hold IAM role ARNs'],
    [
      { keyAdminRoleArns: ['arn:aws:iam::111111111111:role/admin'] },
      "must include CloudFormation's execution role",
    ],
    [
      { keyAdminRoleArns: [exec, 'arn:aws:iam::999999999999:role/admin'] },
      'in the environment account',
    ],
    [{ keyAdminRoleArns: [exec, 'arn:aws:iam::111111111111:role/*'] }, 'no wildcards'],
    [{ keyAdminRoleArns: [exec], opsRoleArn: exec }, 'must not be a key admin'],
    [
      {
        keyAdminRoleArns: [exec],
        opsRoleArn: 'arn:aws:iam::111111111111:role/maskinporten-broker-test-token',
      },
      'must not be the function role',
    ],
    [
      { keyAdminRoleArns: [exec], opsRoleArn: 'arn:aws:iam::111111111111:user/ops' },
      'access.opsRoleArn',
    ],
  ])('refuses access %j', (access, problem) => {
    expect(validateEnvironment(withChanges({ access })).join('\n')).toContain(problem);
  });

  it('accepts role paths (e.g. IAM Identity Center roles) and no ops role', () => {
    const sso =
      'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-north-1/AWSReservedSSO_Admin_0123456789abcdef';
    expect(validateEnvironment(withChanges({ access: { keyAdminRoleArns: [exec, sso] } }))).toEqual(
      [],
    );
  });
});

describe('deadline and sizing', () => {
  it.each([
    [{ deadlineMs: 400 }, 'deadlineMs must be an integer 500-26000'],
    [{ deadlineMs: 27_000 }, 'deadlineMs must be an integer 500-26000'],
    [{ function: { memoryMb: 512, peakRequestsPerSecond: 0 } }, 'function.peakRequestsPerSecond'],
    [{ bootstrapQualifier: 'Has Space' }, 'bootstrapQualifier'],
    [{ policyParameterTier: 'Intelligent' as 'Standard' }, 'policyParameterTier'],
    [{ tableRemoval: 'snapshot' as 'retain' }, 'tableRemoval'],
    [
      { names: { ...ENVIRONMENTS.test.names, policyParameter: 'no-leading-slash' } },
      'names.policyParameter',
    ],
    [{ alarms: { ticketEmail: 'not an address' } }, 'alarms.ticketEmail must be an e-mail address'],
  ])('refuses %j', (changes, problem) => {
    expect(validateEnvironment(withChanges(changes)).join('\n')).toContain(problem);
  });

  it('derives the timeouts from the deadline and sizes the reservation for an outage', () => {
    expect(functionTimeoutSeconds({ deadlineMs: 6000 })).toBe(10);
    expect(functionTimeoutSeconds({ deadlineMs: 6500 })).toBe(11);
    expect(integrationTimeoutMs({ deadlineMs: 6000 })).toBe(9000);
    expect(integrationTimeoutMs({ deadlineMs: 26_000 })).toBe(29_000);
    // peak rps × deadline (s): every request holds an instance until the deadline.
    expect(
      reservedConcurrency({
        deadlineMs: 6000,
        function: { memoryMb: 512, peakRequestsPerSecond: 8 },
      }),
    ).toBe(48);
    expect(
      reservedConcurrency({
        deadlineMs: 2500,
        function: { memoryMb: 512, peakRequestsPerSecond: 3 },
      }),
    ).toBe(8);
    expect(reservedConcurrency(ENVIRONMENTS.test)).toBe(6);
    expect(reservedConcurrency(ENVIRONMENTS.prod)).toBe(48);
  });
});
