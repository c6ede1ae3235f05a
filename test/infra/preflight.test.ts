import { DescribeVpcEndpointsCommand, EC2Client, type VpcEndpoint } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type BrokerEnvironmentConfig, ENVIRONMENTS } from '../../infra/config.js';
import { runPreflight } from '../../infra/ops/preflight.js';
import { type PreflightClients, runPreflightChecks } from '../../infra/ops/preflight-checks.js';
import { SECRET_PLACEHOLDER } from '../../infra/secret-placeholder.js';

const mocks = {
  sts: mockClient(STSClient),
  lambda: mockClient(LambdaClient),
  serviceQuotas: mockClient(ServiceQuotasClient),
  ec2: mockClient(EC2Client),
  ssm: mockClient(SSMClient),
  iam: mockClient(IAMClient),
  secretsManager: mockClient(SecretsManagerClient),
};
const region = 'eu-north-1';
const clients: PreflightClients = {
  sts: new STSClient({ region }),
  lambda: new LambdaClient({ region }),
  serviceQuotas: new ServiceQuotasClient({ region }),
  ec2: new EC2Client({ region }),
  ssm: new SSMClient({ region }),
  iam: new IAMClient({ region }),
  secretsManager: new SecretsManagerClient({ region }),
};
afterAll(() => {
  for (const mock of Object.values(mocks)) mock.restore();
});

const prod = ENVIRONMENTS.prod; // reserves 48, signs up to 8/s, two VPC endpoints
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });
const endpoint = (id: string, changes: Partial<VpcEndpoint> = {}): VpcEndpoint => ({
  VpcEndpointId: id,
  VpcEndpointType: 'Interface',
  ServiceName: 'com.amazonaws.eu-north-1.execute-api',
  // EC2 answers in lower case ("available"), whatever the SDK's State enum spells.
  State: 'available' as VpcEndpoint['State'],
  VpcId: prod.network.vpcId,
  ...changes,
});

/** An account where everything is in place for prod. */
function healthyAccount(): void {
  for (const mock of Object.values(mocks)) mock.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({
    Account: prod.account,
    Arn: `arn:aws:sts::${prod.account}:assumed-role/maskinporten-broker-ops/alice`,
  });
  mocks.lambda.on(GetAccountSettingsCommand).resolves({
    AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 },
  });
  mocks.lambda
    .on(GetFunctionConcurrencyCommand)
    .rejects(awsError('ResourceNotFoundException', 'Function not found'));
  mocks.serviceQuotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 500 } });
  mocks.ec2.on(DescribeVpcEndpointsCommand).resolves({
    VpcEndpoints: prod.network.executeApiVpcEndpointIds.map((id) => endpoint(id)),
  });
  mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '29' } });
  mocks.iam.on(GetRoleCommand).resolves({});
  mocks.secretsManager
    .on(DescribeSecretCommand)
    .resolves({ VersionIdsToStages: { a: ['AWSPREVIOUS'], b: ['AWSCURRENT'] } });
  mocks.secretsManager.on(GetSecretValueCommand).resolves({
    SecretString: JSON.stringify({ clientId: 'c1', systemId: '310547891_broker' }),
  });
}

async function check(name: string, config: BrokerEnvironmentConfig = prod) {
  const results = await runPreflightChecks(config, clients);
  const result = results.find((r) => r.check === name);
  expect(result, name).toBeDefined();
  return result as NonNullable<typeof result>;
}

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runPreflight(argv, {
    clients,
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  });
  return { code, stdout, stderr };
}

describe('npm run preflight', () => {
  beforeEach(healthyAccount);

  it('passes a ready account, printing one OK line per check', async () => {
    const { code, stdout } = await cli(['--env', 'prod']);

    expect(stdout).toContain('Preflight for prod (account 222222222222, eu-north-1)');
    for (const name of [
      'credentials',
      'caller-policy',
      'lambda-concurrency',
      'kms-rsa-quota',
      'vpc-endpoints',
      'cdk-bootstrap',
      'access-roles',
      'config-secret',
    ]) {
      expect(stdout).toMatch(new RegExp(`^(OK  |WARN)  ${name} `, 'm'));
    }
    expect(stdout).not.toContain('FAIL');
    expect(code).toBe(0);
    expect(mocks.ssm.commandCalls(GetParameterCommand)[0]?.args[0].input.Name).toBe(
      '/cdk-bootstrap/hnb659fds/version',
    );
    expect(mocks.lambda.commandCalls(GetFunctionConcurrencyCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'maskinporten-broker-prod-token',
    });
  });

  it('stops at credentials for another account, reading nothing else', async () => {
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '333333333333', Arn: 'arn:x' });

    const { code, stdout } = await cli(['--env', 'prod']);

    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^FAIL {2}credentials {2}these credentials \(arn:x\) are for account 333333333333/m,
    );
    expect(stdout).toContain('1 failed, 0 warnings');
    expect(mocks.lambda.calls()).toHaveLength(0);
    expect(mocks.secretsManager.calls()).toHaveLength(0);
  });

  it('fails a new account whose concurrency quota cannot hold the reservation, with the increase to ask for', async () => {
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });

    const result = await check('lambda-concurrency');

    expect(result.status).toBe('fail');
    expect(result.detail).toContain('reserving 48 (8 rps × 6 s) leaves -38');
    // 10 + (100 - (-38)) = 148: with it, 148 - 48 = 100 stay unreserved.
    expect(result.fix).toContain('--quota-code L-B99A9384 --desired-value 148');
  });

  it("counts the deployed function's own reservation as available", async () => {
    mocks.lambda.on(GetAccountSettingsCommand).resolves({
      AccountLimit: { ConcurrentExecutions: 148, UnreservedConcurrentExecutions: 100 },
    });
    mocks.lambda.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 48 });

    const result = await check('lambda-concurrency');

    expect(result).toMatchObject({ status: 'ok' });
    expect(result.detail).toContain('(+48 already reserved by maskinporten-broker-prod-token)');
  });

  it.each([
    [2, 'fail', '--quota-code L-2AC98190 --desired-value 12'],
    [10, 'warn', 'consider an increase of L-2AC98190'],
    [500, 'ok', undefined],
  ] as const)(
    'judges a KMS RSA quota of %i/s against 8 signatures/s: %s',
    async (quota, status, fix) => {
      mocks.serviceQuotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: quota } });

      const result = await check('kms-rsa-quota');

      expect(result.status).toBe(status);
      if (fix) expect(result.fix).toContain(fix);
      expect(mocks.serviceQuotas.commandCalls(GetServiceQuotaCommand)[0]?.args[0].input).toEqual({
        ServiceCode: 'kms',
        QuotaCode: 'L-2AC98190',
      });
    },
  );

  it('falls back to the AWS default KMS quota when the account never changed it', async () => {
    mocks.serviceQuotas.on(GetServiceQuotaCommand).rejects(awsError('NoSuchResourceException'));
    mocks.serviceQuotas.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { Value: 500 } });

    const result = await check('kms-rsa-quota');

    expect(result).toMatchObject({ status: 'ok' });
    expect(result.detail).toContain('RSA request quota 500/s');
  });

  it.each([
    [[endpoint('vpce-0bbbbbbbbbbbbbbb1')], 'fail', 'vpce-0bbbbbbbbbbbbbbb2 does not exist'],
    [
      [
        endpoint('vpce-0bbbbbbbbbbbbbbb1'),
        endpoint('vpce-0bbbbbbbbbbbbbbb2', {
          ServiceName: 'com.amazonaws.eu-north-1.s3',
          VpcEndpointType: 'Gateway',
        }),
      ],
      'fail',
      'vpce-0bbbbbbbbbbbbbbb2 is a Gateway endpoint for com.amazonaws.eu-north-1.s3',
    ],
    [
      [
        endpoint('vpce-0bbbbbbbbbbbbbbb1', { State: 'pendingAcceptance' as VpcEndpoint['State'] }),
        endpoint('vpce-0bbbbbbbbbbbbbbb2'),
      ],
      'fail',
      'vpce-0bbbbbbbbbbbbbbb1 is pendingAcceptance, not available',
    ],
    [
      [
        endpoint('vpce-0bbbbbbbbbbbbbbb1'),
        endpoint('vpce-0bbbbbbbbbbbbbbb2', { VpcId: 'vpc-0ccccccccccccccc1' }),
      ],
      'warn',
      'vpce-0bbbbbbbbbbbbbbb2 is in vpc-0ccccccccccccccc1, not network.vpcId vpc-0bbbbbbbbbbbbbbb1',
    ],
  ] as const)(
    'checks the VPC endpoints named in config (%#)',
    async (endpoints, status, detail) => {
      mocks.ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [...endpoints] });

      const result = await check('vpc-endpoints');

      expect(result.status).toBe(status);
      expect(result.detail).toContain(detail);
      expect(mocks.ec2.commandCalls(DescribeVpcEndpointsCommand)[0]?.args[0].input).toEqual({
        Filters: [{ Name: 'vpc-endpoint-id', Values: [...prod.network.executeApiVpcEndpointIds] }],
      });
    },
  );

  it('fails an account that is not bootstrapped, or bootstrapped too long ago, naming the command', async () => {
    mocks.ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    const missing = await check('cdk-bootstrap');
    expect(missing).toMatchObject({ status: 'fail' });
    expect(missing.fix).toBe('npx cdk bootstrap -c env=prod aws://222222222222/eu-north-1');

    mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '6' } });
    const old = await check('cdk-bootstrap');
    expect(old.status).toBe('fail');
    expect(old.detail).toContain('bootstrap version 6; the stacks need 8 or later');
  });

  it('fails when a role named in access does not exist', async () => {
    mocks.iam
      .on(GetRoleCommand, { RoleName: 'maskinporten-broker-ops' })
      .rejects(awsError('NoSuchEntityException'));

    const result = await check('access-roles');

    expect(result.status).toBe('fail');
    expect(result.detail).toBe(
      'missing: ops role arn:aws:iam::222222222222:role/maskinporten-broker-ops',
    );
    expect(mocks.iam.commandCalls(GetRoleCommand).map((c) => c.args[0].input.RoleName)).toEqual([
      'cdk-hnb659fds-cfn-exec-role-222222222222-eu-north-1',
      'maskinporten-broker-ops',
    ]);
  });

  it('fails while the secret holds the placeholder, and names the command that fills it', async () => {
    mocks.secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify(SECRET_PLACEHOLDER) });

    const result = await check('config-secret');

    expect(result).toMatchObject({
      status: 'fail',
      detail: "maskinporten-broker/prod/config still holds CloudFormation's placeholder",
    });
    expect(result.fix).toContain(
      'aws secretsmanager put-secret-value --secret-id maskinporten-broker/prod/config',
    );
  });

  it('warns while the secret still holds a caller policy the broker no longer reads', async () => {
    mocks.secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ clientId: 'c1', policy: { rules: [] } }),
    });

    const result = await check('config-secret');

    expect(result.status).toBe('warn');
    expect(result.detail).toContain(
      'the secret still holds a "policy", which the broker no longer reads',
    );
  });

  it.each([
    [{ clientId: 'c1', policy: 'nope', extra: 1 }, 'fail', 'is invalid: '],
    ['{not json', 'fail', 'is invalid: '],
  ])('fails an invalid secret %j', async (value, status, detail) => {
    mocks.secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: typeof value === 'string' ? value : JSON.stringify(value),
    });

    const result = await check('config-secret');

    expect(result.status).toBe(status);
    expect(result.detail).toContain(detail);
  });

  it('judges the secret by its versions when the resource policy keeps the value from this principal', async () => {
    mocks.secretsManager.on(GetSecretValueCommand).rejects(awsError('AccessDeniedException'));
    mocks.secretsManager
      .on(DescribeSecretCommand)
      .resolves({ VersionIdsToStages: { a: ['AWSCURRENT'] } });
    expect(await check('config-secret')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(
        'has never been changed since CloudFormation wrote the placeholder',
      ),
    });

    mocks.secretsManager
      .on(DescribeSecretCommand)
      .resolves({ VersionIdsToStages: { a: ['AWSPREVIOUS'], b: ['AWSCURRENT'] } });
    expect(await check('config-secret')).toMatchObject({ status: 'warn' });
  });

  it('only warns before the first deploy, when the secret does not exist yet', async () => {
    mocks.secretsManager.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));

    const { code, stdout } = await cli(['--env', 'prod']);

    expect(stdout).toMatch(
      /^WARN {2}config-secret +maskinporten-broker\/prod\/config does not exist yet/m,
    );
    expect(stdout).toMatch(/fix: after the first deploy: aws secretsmanager put-secret-value/);
    expect(code).toBe(0);
  });

  it('turns a missing permission into a failed check naming it, and goes on', async () => {
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .rejects(
        awsError('AccessDeniedException', 'not authorized to perform lambda:GetAccountSettings'),
      );

    const { code, stdout } = await cli(['--env', 'prod']);

    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL {2}lambda-concurrency +AccessDeniedException: not authorized/m);
    expect(stdout).toContain(
      'fix: allow lambda:GetAccountSettings and lambda:GetFunctionConcurrency to the principal running preflight',
    );
    expect(stdout).toMatch(/^OK {4}config-secret/m);
  });

  it('warns when the policy file has no rule yet (prod ships with none)', async () => {
    const result = await check('caller-policy');

    expect(result.status).toBe('warn');
    expect(result.detail).toMatch(/prod\.json: 0 rules, 12 of 4096 characters/);
  });

  it.each([
    [[], 'No environment selected'],
    [['--env', 'staging'], 'Unknown environment "staging"'],
    [['--env', 'test', '--fix'], "Unknown option '--fix'"],
  ])('exits 2 with usage for %j', async (argv, message) => {
    const { code, stdout, stderr } = await cli(argv);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: npm run preflight -- --env <test|prod>');
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  it('prints usage for --help', async () => {
    const { code, stdout } = await cli(['--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('Exit code: 0 nothing failed');
  });
});
