import { DescribeVpcEndpointsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  type ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { OBSOLETE_POLICY_WARNING, parseSecretConfig } from '../../shared/config/secret-config.js';
import { loadCallerPolicyFile, SSM_VALUE_LIMIT } from '../caller-policy-file.js';
import { type BrokerEnvironmentConfig, cdkExecutionRoleArn } from '../config.js';
import { SECRET_PLACEHOLDER } from '../secret-placeholder.js';
import { LAMBDA_MIN_UNRESERVED_CONCURRENCY, reservedConcurrency } from '../sizing.js';

/** The SDK clients preflight reads with (all in the environment's region). */
export interface PreflightClients {
  readonly sts: STSClient;
  readonly lambda: LambdaClient;
  readonly serviceQuotas: ServiceQuotasClient;
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly iam: IAMClient;
  readonly secretsManager: SecretsManagerClient;
}

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** What to do about it (warn and fail). */
  readonly fix?: string;
}

/** Service Quotas: "Cryptographic operations (RSA) request rate" of KMS, per second. */
export const KMS_RSA_QUOTA = { serviceCode: 'kms', quotaCode: 'L-2AC98190' } as const;
/** Service Quotas: Lambda "Concurrent executions". */
export const LAMBDA_CONCURRENCY_QUOTA = { serviceCode: 'lambda', quotaCode: 'L-B99A9384' } as const;
/**
 * The bootstrap version the synthesized stacks require at least (their assets and the
 * CheckBootstrapVersion rule; the infra tests compare it with the cloud assembly).
 */
export const MIN_BOOTSTRAP_VERSION = 8;
/** Share of the RSA quota the kms-rsa-quota alarm fires at. */
const KMS_QUOTA_ALARM_SHARE = 0.7;

/**
 * Every check, in order: credentials first (the others would read the wrong account), then the
 * caller policy file, Lambda concurrency, the KMS RSA quota, the VPC endpoints, the CDK bootstrap,
 * the roles named in `access`, and the configuration secret. A check never throws: an SDK error
 * becomes a failed check naming the error and the permission to add.
 */
export async function runPreflightChecks(
  config: BrokerEnvironmentConfig,
  clients: PreflightClients,
): Promise<CheckResult[]> {
  const identity = await checkCredentials(config, clients);
  if (identity.status === 'fail') return [identity];
  const results: CheckResult[] = [identity, checkCallerPolicy(config)];
  for (const check of [
    checkLambdaConcurrency,
    checkKmsRsaQuota,
    checkVpcEndpoints,
    checkBootstrap,
    checkRoles,
    checkConfigSecret,
  ]) {
    results.push(await check(config, clients));
  }
  return results;
}

export async function checkCredentials(
  config: BrokerEnvironmentConfig,
  { sts }: PreflightClients,
): Promise<CheckResult> {
  const check = 'credentials';
  try {
    const { Account, Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (Account !== config.account) {
      return {
        check,
        status: 'fail',
        detail: `these credentials (${Arn}) are for account ${Account}; environment "${config.name}" lives in ${config.account}`,
        fix: `use credentials for ${config.account} (AWS_PROFILE=...) or correct account in infra/config.ts`,
      };
    }
    return { check, status: 'ok', detail: `${Arn} in ${Account}, region ${config.region}` };
  } catch (error) {
    return sdkFailure(check, error, 'valid AWS credentials (aws sso login, AWS_PROFILE)');
  }
}

export function checkCallerPolicy(config: BrokerEnvironmentConfig): CheckResult {
  const check = 'caller-policy';
  try {
    const policy = loadCallerPolicyFile(config);
    const limit = SSM_VALUE_LIMIT[config.policyParameterTier];
    return {
      check,
      status: policy.ruleCount === 0 ? 'warn' : 'ok',
      detail: `${policy.path}: ${policy.ruleCount} rules, ${policy.value.length} of ${limit} characters`,
      ...(policy.ruleCount === 0
        ? {
            fix: 'no rule: every caller gets 403 access_denied until you add rules (README "Caller policy")',
          }
        : {}),
    };
  } catch (error) {
    return { check, status: 'fail', detail: (error as Error).message, fix: 'fix the policy file' };
  }
}

export async function checkLambdaConcurrency(
  config: BrokerEnvironmentConfig,
  { lambda }: PreflightClients,
): Promise<CheckResult> {
  const check = 'lambda-concurrency';
  const wanted = reservedConcurrency(config);
  try {
    const { AccountLimit } = await lambda.send(new GetAccountSettingsCommand({}));
    const total = AccountLimit?.ConcurrentExecutions ?? 0;
    const unreserved = AccountLimit?.UnreservedConcurrentExecutions ?? 0;
    // A deployed function's own reservation is already taken out of the unreserved pool.
    const current = await currentReservation(lambda, config.names.function);
    const left = unreserved + current - wanted;
    const detail = `account limit ${total}, unreserved ${unreserved}${current ? ` (+${current} already reserved by ${config.names.function})` : ''}; reserving ${wanted} (${config.function.peakRequestsPerSecond} rps × ${config.deadlineMs / 1000} s) leaves ${left}`;
    if (left < LAMBDA_MIN_UNRESERVED_CONCURRENCY) {
      const needed = total + LAMBDA_MIN_UNRESERVED_CONCURRENCY - left;
      return {
        check,
        status: 'fail',
        detail: `${detail}; Lambda keeps at least ${LAMBDA_MIN_UNRESERVED_CONCURRENCY} unreserved, so the deploy would fail`,
        fix: `ask for "Concurrent executions" of at least ${needed}: aws service-quotas request-service-quota-increase --service-code ${LAMBDA_CONCURRENCY_QUOTA.serviceCode} --quota-code ${LAMBDA_CONCURRENCY_QUOTA.quotaCode} --desired-value ${needed} (or lower function.peakRequestsPerSecond)`,
      };
    }
    return { check, status: 'ok', detail };
  } catch (error) {
    return sdkFailure(check, error, 'lambda:GetAccountSettings and lambda:GetFunctionConcurrency');
  }
}

async function currentReservation(lambda: LambdaClient, functionName: string): Promise<number> {
  try {
    const out = await lambda.send(
      new GetFunctionConcurrencyCommand({ FunctionName: functionName }),
    );
    return out.ReservedConcurrentExecutions ?? 0;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return 0; // not deployed yet
    throw error;
  }
}

export async function checkKmsRsaQuota(
  config: BrokerEnvironmentConfig,
  { serviceQuotas }: PreflightClients,
): Promise<CheckResult> {
  const check = 'kms-rsa-quota';
  try {
    const quota = await appliedOrDefaultQuota(serviceQuotas);
    // Worst case: every request at peak is a cache miss and signs a grant.
    const peak = config.function.peakRequestsPerSecond;
    const detail = `RSA request quota ${quota}/s for the whole account and region; this environment signs up to ${peak}/s at peak`;
    if (peak > quota) {
      return {
        check,
        status: 'fail',
        detail,
        fix: `ask for at least ${Math.ceil(peak / KMS_QUOTA_ALARM_SHARE)}/s: aws service-quotas request-service-quota-increase --service-code kms --quota-code ${KMS_RSA_QUOTA.quotaCode} --desired-value ${Math.ceil(peak / KMS_QUOTA_ALARM_SHARE)}`,
      };
    }
    if (peak > quota * KMS_QUOTA_ALARM_SHARE) {
      return {
        check,
        status: 'warn',
        detail: `${detail}, above the ${KMS_QUOTA_ALARM_SHARE * 100}% the kms-rsa-quota alarm fires at`,
        fix: `consider an increase of ${KMS_RSA_QUOTA.quotaCode}; other RSA keys in the account share it`,
      };
    }
    return { check, status: 'ok', detail };
  } catch (error) {
    return sdkFailure(
      check,
      error,
      'servicequotas:GetServiceQuota and servicequotas:GetAWSDefaultServiceQuota',
    );
  }
}

async function appliedOrDefaultQuota(client: ServiceQuotasClient): Promise<number> {
  const input = { ServiceCode: KMS_RSA_QUOTA.serviceCode, QuotaCode: KMS_RSA_QUOTA.quotaCode };
  try {
    const { Quota } = await client.send(new GetServiceQuotaCommand(input));
    if (Quota?.Value !== undefined) return Quota.Value;
  } catch (error) {
    // Never changed in this account: Service Quotas only knows the AWS default.
    if ((error as Error).name !== 'NoSuchResourceException') throw error;
  }
  const { Quota } = await client.send(new GetAWSDefaultServiceQuotaCommand(input));
  if (Quota?.Value === undefined)
    throw new Error(`Service Quotas has no value for ${input.QuotaCode}`);
  return Quota.Value;
}

export async function checkVpcEndpoints(
  config: BrokerEnvironmentConfig,
  { ec2 }: PreflightClients,
): Promise<CheckResult> {
  const check = 'vpc-endpoints';
  const ids = config.network.executeApiVpcEndpointIds;
  try {
    const { VpcEndpoints = [] } = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-endpoint-id', Values: [...ids] }] }),
    );
    const service = `com.amazonaws.${config.region}.execute-api`;
    const problems: string[] = [];
    const notes: string[] = [];
    for (const id of ids) {
      const endpoint = VpcEndpoints.find((candidate) => candidate.VpcEndpointId === id);
      if (!endpoint) {
        problems.push(`${id} does not exist in ${config.account}/${config.region}`);
      } else if (endpoint.ServiceName !== service || endpoint.VpcEndpointType !== 'Interface') {
        problems.push(
          `${id} is a ${endpoint.VpcEndpointType} endpoint for ${endpoint.ServiceName}, not ${service}`,
        );
      } else if (endpoint.State?.toLowerCase() !== 'available') {
        problems.push(`${id} is ${endpoint.State}, not available`);
      } else if (endpoint.VpcId !== config.network.vpcId) {
        notes.push(`${id} is in ${endpoint.VpcId}, not network.vpcId ${config.network.vpcId}`);
      }
    }
    if (problems.length > 0) {
      return {
        check,
        status: 'fail',
        detail: problems.join('; '),
        fix: `create interface endpoints for ${service} (README "Prerequisites") and list them in network.executeApiVpcEndpointIds`,
      };
    }
    if (notes.length > 0) {
      return {
        check,
        status: 'warn',
        detail: notes.join('; '),
        fix: 'correct network.vpcId (it only names the VPC in the stack outputs)',
      };
    }
    return {
      check,
      status: 'ok',
      detail: `${ids.join(', ')}: ${service}, available, in ${config.network.vpcId}`,
    };
  } catch (error) {
    return sdkFailure(check, error, 'ec2:DescribeVpcEndpoints');
  }
}

export async function checkBootstrap(
  config: BrokerEnvironmentConfig,
  { ssm }: PreflightClients,
): Promise<CheckResult> {
  const check = 'cdk-bootstrap';
  const name = `/cdk-bootstrap/${config.bootstrapQualifier}/version`;
  const fix = `npx cdk bootstrap -c env=${config.name} aws://${config.account}/${config.region}${config.bootstrapQualifier === 'hnb659fds' ? '' : ` --qualifier ${config.bootstrapQualifier}`}`;
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    const version = Number(Parameter?.Value);
    if (!Number.isInteger(version) || version < MIN_BOOTSTRAP_VERSION) {
      return {
        check,
        status: 'fail',
        detail: `bootstrap version ${Parameter?.Value}; the stacks need ${MIN_BOOTSTRAP_VERSION} or later`,
        fix,
      };
    }
    return { check, status: 'ok', detail: `bootstrap version ${version} (${name})` };
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') {
      return {
        check,
        status: 'fail',
        detail: `${config.account}/${config.region} is not bootstrapped with qualifier ${config.bootstrapQualifier} (${name} not found)`,
        fix,
      };
    }
    return sdkFailure(check, error, `ssm:GetParameter on ${name}`);
  }
}

export async function checkRoles(
  config: BrokerEnvironmentConfig,
  { iam }: PreflightClients,
): Promise<CheckResult> {
  const check = 'access-roles';
  const roles = [
    ...config.access.keyAdminRoleArns.map((arn) => ({ arn, as: 'key admin' })),
    ...(config.access.opsRoleArn ? [{ arn: config.access.opsRoleArn, as: 'ops role' }] : []),
  ];
  try {
    const missing: string[] = [];
    for (const role of roles) {
      const roleName = role.arn.split('/').at(-1) as string;
      try {
        await iam.send(new GetRoleCommand({ RoleName: roleName }));
      } catch (error) {
        if ((error as Error).name !== 'NoSuchEntityException') throw error;
        missing.push(`${role.as} ${role.arn}`);
      }
    }
    if (missing.length > 0) {
      const exec = cdkExecutionRoleArn(config);
      return {
        check,
        status: 'fail',
        detail: `missing: ${missing.join(', ')}`,
        fix: missing.some((entry) => entry.endsWith(exec))
          ? `bootstrap the account first (${exec} is CloudFormation's execution role)`
          : 'create the role or remove it from access in infra/config.ts: policies name roles by ARN, and a missing admin cannot administer the keys',
      };
    }
    return {
      check,
      status: 'ok',
      detail: `${roles.length} roles exist: ${roles.map((role) => role.as).join(', ')}`,
    };
  } catch (error) {
    return sdkFailure(check, error, 'iam:GetRole');
  }
}

export async function checkConfigSecret(
  config: BrokerEnvironmentConfig,
  { secretsManager }: PreflightClients,
): Promise<CheckResult> {
  const check = 'config-secret';
  const secretId = config.names.secret;
  const fill = `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string file://broker-config.json (README "First-time setup")`;
  let versions: number;
  try {
    const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
    versions = Object.keys(described.VersionIdsToStages ?? {}).length;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') {
      return {
        check,
        status: 'warn',
        detail: `${secretId} does not exist yet (the first deploy creates it with a placeholder)`,
        fix: `after the first deploy: ${fill}`,
      };
    }
    return sdkFailure(check, error, 'secretsmanager:DescribeSecret');
  }
  try {
    const { SecretString } = await secretsManager.send(
      new GetSecretValueCommand({ SecretId: secretId }),
    );
    const value: unknown = JSON.parse(SecretString ?? '');
    if (JSON.stringify(value) === JSON.stringify(SECRET_PLACEHOLDER)) {
      return {
        check,
        status: 'fail',
        detail: `${secretId} still holds CloudFormation's placeholder`,
        fix: fill,
      };
    }
    const parsed = parseSecretConfig(value, secretId);
    const detail = `${secretId} holds client ${parsed.clientId}${parsed.systemId ? `, system ${parsed.systemId}` : ''}`;
    if (parsed.obsoletePolicy) {
      return { check, status: 'warn', detail: `${detail}; ${OBSOLETE_POLICY_WARNING}` };
    }
    return { check, status: 'ok', detail };
  } catch (error) {
    if (['AccessDeniedException', 'AccessDenied'].includes((error as Error).name)) {
      // The resource policy lets only the broker and ops read: judge by the version history.
      return versions <= 1
        ? {
            check,
            status: 'fail',
            detail: `${secretId} has never been changed since CloudFormation wrote the placeholder (the value itself is readable by the ops role only)`,
            fix: fill,
          }
        : {
            check,
            status: 'warn',
            detail: `${secretId} was changed after creation; its value is readable by the broker and the ops role only`,
            fix: 'run preflight as the ops role to check the value',
          };
    }
    if (error instanceof SyntaxError || error instanceof TypeError) {
      return {
        check,
        status: 'fail',
        detail: `${secretId} is invalid: ${error.message}`,
        fix: fill,
      };
    }
    return sdkFailure(check, error, 'secretsmanager:GetSecretValue (ops role)');
  }
}

function sdkFailure(check: string, error: unknown, permission: string): CheckResult {
  const { name, message } = error as Error;
  const denied = /AccessDenied|UnauthorizedOperation|NotAuthorized/.test(name);
  return {
    check,
    status: 'fail',
    detail: `${name}: ${message}`,
    fix: denied
      ? `allow ${permission} to the principal running preflight`
      : `needs ${permission}; retry`,
  };
}
