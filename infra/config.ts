/**
 * Typed per-environment settings, selected with `-c env=<name>`. Names, ids and ARNs only: never a
 * secret value (the Maskinporten client id lives in the environment's secret, filled in by ops; the
 * caller policy lives in `infra/policies/<env>.json`). This module must not import aws-cdk-lib: the
 * ops commands (`npm run jwks`, `npm run preflight`) use it too.
 *
 * The account ids, VPC ids, VPC endpoint ids and role ARNs below are PLACEHOLDERS; ops replace them
 * before the first deploy (README, "Deploy").
 */

export const ENVIRONMENT_NAMES = ['test', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** One KMS signing key. Never reuse a name: retained keys and aliases outlive their entry. */
export interface SigningKeyConfig {
  /** Lowercase name, e.g. `k2026a`; becomes the alias `alias/maskinporten-broker/<env>/<name>`. */
  readonly name: string;
  /** Exactly one key is active: the broker signs with it (`SIGNING_KEY`). */
  readonly active?: boolean;
  /**
   * A retired key stays in the stateful stack (retained, so it can be scheduled for deletion by
   * hand) but the broker can no longer use it. At most one key is neither active nor retired: the
   * next (or previous) key, published in the JWKS and passed as `SIGNING_KEY_NEXT`.
   */
  readonly retired?: boolean;
}

export interface BrokerEnvironmentConfig {
  readonly name: EnvironmentName;
  readonly account: string;
  readonly region: string;
  /** Maskinporten issuer (also the grant `aud`), with the trailing slash. */
  readonly maskinportenIssuer: string;
  readonly altinnPlatformUrl: string;
  readonly network: {
    /** The VPC the execute-api endpoints live in (informational; no lookup is made). */
    readonly vpcId: string;
    /** Interface VPC endpoints for `execute-api`; the only way into the private API. */
    readonly executeApiVpcEndpointIds: readonly string[];
  };
  /**
   * Accounts whose IAM principals may call the API (the resource policy delegates to their IAM
   * policies; the broker's caller policy then decides what each may ask for).
   */
  readonly callerAccountIds: readonly string[];
  /**
   * Who may do what with the keys, table, secret and policy parameter. Every ARN is an exact IAM role
   * ARN (with its path) in `account`: the key and resource policies compare `aws:PrincipalArn` with
   * them, which keeps working when a role is deleted and recreated under the same name.
   */
  readonly access: {
    /**
     * Administer the keys and the resource policies (never sign, never read tokens or the secret).
     * Must include the role CloudFormation deploys with, the CDK bootstrap's execution role
     * (`cdkExecutionRoleArn`): KMS refuses a key policy that would lock out the principal that
     * creates it, and no later deploy could change a policy that its role may not put.
     */
    readonly keyAdminRoleArns: readonly string[];
    /**
     * Optional: the role ops assume for `npm run systemuser` / `npm run jwks` (sign, read public
     * keys) and to fill the configuration secret. Without it, only key admins may write the secret.
     */
    readonly opsRoleArn?: string;
  };
  /** The CDK bootstrap qualifier of the account (`cdk bootstrap --qualifier`; CDK's default). */
  readonly bootstrapQualifier: string;
  readonly alarms: {
    /** E-mail subscribed to the paging topic: the one composite "broker degraded" alarm. */
    readonly email?: string;
    /** E-mail subscribed to the ticket topic: every other alarm (needs a confirmation click). */
    readonly ticketEmail?: string;
    /**
     * An existing SNS topic that also receives the paging alarm (e.g. the on-call integration). Its
     * topic policy must let `cloudwatch.amazonaws.com` publish for the composite alarm's ARN.
     */
    readonly topicArn?: string;
  };
  /** CloudWatch Logs retention in days for the function and the API access logs. */
  readonly logRetentionDays: LogRetentionDays;
  /**
   * The application log level (Lambda `LoggingConfig.ApplicationLogLevel` and Powertools, the same
   * value, so Powertools' own level never disagrees with Lambda's filter). Never above INFO: the
   * EMF metric lines carry no `level`, Lambda files them as INFO, and a WARN filter would drop
   * every metric (and with them the dashboard and the alarms).
   */
  readonly logLevel: 'DEBUG' | 'INFO';
  /**
   * Fixed names, built from config in both stacks: a rename reaches the function through its own
   * template (a weak cross-stack reference is only re-read when the reading template changes).
   */
  readonly names: {
    readonly table: string;
    readonly secret: string;
    readonly function: string;
    /** The function's role: key and resource policies name it before it exists. */
    readonly functionRole: string;
    /** SSM parameter holding the caller policy (`/...`). */
    readonly policyParameter: string;
    readonly api: string;
    readonly dashboard: string;
  };
  /**
   * The broker's answer deadline for one request in ms (`BROKER_DEADLINE_MS`); the function and
   * integration timeouts are derived from it (`infra/sizing.ts`).
   */
  readonly deadlineMs: number;
  /**
   * SSM tier of the caller-policy parameter: Standard holds 4 KB, Advanced 8 KB (and costs per
   * month). SSM cannot turn an Advanced parameter back into a Standard one, so this is chosen here,
   * not from the file's size.
   */
  readonly policyParameterTier: 'Standard' | 'Advanced';
  readonly signingKeys: readonly SigningKeyConfig[];
  readonly api: {
    readonly throttlingRateLimit: number;
    readonly throttlingBurstLimit: number;
    /**
     * Create the account-wide API Gateway CloudWatch role (`AWS::ApiGateway::Account`) in this
     * stack. Set false when the account already has one managed elsewhere; execution logging needs
     * it either way.
     */
    readonly createCloudWatchRole: boolean;
  };
  readonly function: {
    readonly memoryMb: number;
    /**
     * Peak token requests per second the broker must absorb while Maskinporten is down. Reserved
     * concurrency = ceil(peak × deadline in s), `reservedConcurrency()` in `infra/sizing.ts`.
     */
    readonly peakRequestsPerSecond: number;
  };
  /** DynamoDB deletion protection on the token table. */
  readonly tableDeletionProtection: boolean;
  /**
   * What deleting the stateful stack (or replacing the table) does to the token cache: `retain` keeps
   * it (RETAIN_ON_UPDATE_OR_DELETE), `destroy` deletes it (a cache: the broker refills it).
   */
  readonly tableRemoval: 'retain' | 'destroy';
}

/** The values CloudWatch Logs accepts (a subset; `RetentionDays` in aws-cdk-lib has the rest). */
export const LOG_RETENTION_DAYS = [7, 14, 30, 60, 90, 180, 365, 400, 545, 731, 1827] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

import { SERVICE_NAME } from '../shared/config/env-names.js';

/** Defined beside the env names so the handler and infra cannot disagree. */
export { SERVICE_NAME };

/** The default CDK bootstrap qualifier (`cdk bootstrap` without `--qualifier`). */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/**
 * The role CloudFormation acts as when CDK deploys: the bootstrap stack's execution role. It creates
 * the keys and later updates their policies, so it must be a key admin.
 */
export function cdkExecutionRoleArn(
  config: Pick<BrokerEnvironmentConfig, 'account' | 'region' | 'bootstrapQualifier'>,
): string {
  const { account, region, bootstrapQualifier } = config;
  return `arn:aws:iam::${account}:role/cdk-${bootstrapQualifier}-cfn-exec-role-${account}-${region}`;
}

/** The broker function's role, as an ARN string (the role lives in the stateless stack). */
export function functionRoleArn(
  config: Pick<BrokerEnvironmentConfig, 'account' | 'names'>,
): string {
  return `arn:aws:iam::${config.account}:role/${config.names.functionRole}`;
}

/** The alias of a signing key; the stateful stack creates it, the ops commands read through it. */
export function signingKeyAlias(env: EnvironmentName, keyName: string): string {
  return `alias/${SERVICE_NAME}/${env}/${keyName}`;
}

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, BrokerEnvironmentConfig>> = {
  test: {
    name: 'test',
    account: '111111111111',
    region: 'eu-north-1',
    maskinportenIssuer: 'https://test.maskinporten.no/',
    altinnPlatformUrl: 'https://platform.tt02.altinn.no',
    network: {
      vpcId: 'vpc-0aaaaaaaaaaaaaaa1',
      executeApiVpcEndpointIds: ['vpce-0aaaaaaaaaaaaaaa1'],
    },
    callerAccountIds: ['111111111111'],
    access: {
      keyAdminRoleArns: [
        'arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-north-1',
      ],
      opsRoleArn: 'arn:aws:iam::111111111111:role/maskinporten-broker-ops',
    },
    bootstrapQualifier: DEFAULT_BOOTSTRAP_QUALIFIER,
    alarms: {
      email: 'maskinporten-broker-alarms-test@example.com',
      ticketEmail: 'maskinporten-broker-tickets-test@example.com',
    },
    logRetentionDays: 30,
    logLevel: 'INFO',
    names: defaultNames('test'),
    deadlineMs: 6000,
    policyParameterTier: 'Standard',
    signingKeys: [{ name: 'k2026a', active: true }],
    api: { throttlingRateLimit: 50, throttlingBurstLimit: 100, createCloudWatchRole: true },
    function: { memoryMb: 512, peakRequestsPerSecond: 1 },
    tableDeletionProtection: false,
    tableRemoval: 'destroy',
  },
  prod: {
    name: 'prod',
    account: '222222222222',
    region: 'eu-north-1',
    maskinportenIssuer: 'https://maskinporten.no/',
    altinnPlatformUrl: 'https://platform.altinn.no',
    network: {
      vpcId: 'vpc-0bbbbbbbbbbbbbbb1',
      executeApiVpcEndpointIds: ['vpce-0bbbbbbbbbbbbbbb1', 'vpce-0bbbbbbbbbbbbbbb2'],
    },
    callerAccountIds: ['222222222222'],
    access: {
      keyAdminRoleArns: [
        'arn:aws:iam::222222222222:role/cdk-hnb659fds-cfn-exec-role-222222222222-eu-north-1',
      ],
      opsRoleArn: 'arn:aws:iam::222222222222:role/maskinporten-broker-ops',
    },
    bootstrapQualifier: DEFAULT_BOOTSTRAP_QUALIFIER,
    alarms: {
      email: 'maskinporten-broker-alarms@example.com',
      ticketEmail: 'maskinporten-broker-tickets@example.com',
    },
    logRetentionDays: 365,
    logLevel: 'INFO',
    names: defaultNames('prod'),
    deadlineMs: 6000,
    policyParameterTier: 'Standard',
    signingKeys: [{ name: 'k2026a', active: true }],
    api: { throttlingRateLimit: 200, throttlingBurstLimit: 400, createCloudWatchRole: true },
    function: { memoryMb: 512, peakRequestsPerSecond: 8 },
    tableDeletionProtection: true,
    tableRemoval: 'retain',
  },
};

function defaultNames(env: EnvironmentName): BrokerEnvironmentConfig['names'] {
  return {
    table: `${SERVICE_NAME}-${env}-token-cache`,
    secret: `${SERVICE_NAME}/${env}/config`,
    function: `${SERVICE_NAME}-${env}-token`,
    functionRole: `${SERVICE_NAME}-${env}-token`,
    policyParameter: `/${SERVICE_NAME}/${env}/caller-policy`,
    api: `${SERVICE_NAME}-${env}`,
    dashboard: `${SERVICE_NAME}-${env}`,
  };
}

/** A missing, unknown or incomplete environment: the message says what to do. */
export class EnvironmentConfigError extends Error {
  override readonly name = 'EnvironmentConfigError';
}

/**
 * The settings for `-c env=<name>`, validated. Throws an error naming the valid environments for
 * an unknown or missing name, and every problem for an incomplete one.
 */
export function resolveEnvironment(
  name: unknown,
  environments: Readonly<Record<string, BrokerEnvironmentConfig>> = ENVIRONMENTS,
): BrokerEnvironmentConfig {
  const valid = Object.keys(environments).join(', ');
  if (typeof name !== 'string' || name === '') {
    throw new EnvironmentConfigError(
      `No environment selected: pass -c env=<name> (valid: ${valid}), e.g. npx cdk synth -c env=test`,
    );
  }
  const config = Object.hasOwn(environments, name) ? environments[name] : undefined;
  if (!config) {
    throw new EnvironmentConfigError(
      `Unknown environment "${name}": valid environments are ${valid}`,
    );
  }
  const problems = validateEnvironment(config);
  if (problems.length > 0) {
    throw new EnvironmentConfigError(
      `Environment "${name}" is incomplete or invalid in infra/config.ts:\n- ${problems.join('\n- ')}`,
    );
  }
  return config;
}

/** Every problem with one environment's settings; empty when it can be deployed. */
export function validateEnvironment(config: BrokerEnvironmentConfig): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem);
  };
  check(/^\d{12}$/.test(config.account ?? ''), 'account must be a 12-digit AWS account id');
  check(/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region ?? ''), 'region must be an AWS region');
  check(isHttpsUrl(config.maskinportenIssuer, true), 'maskinportenIssuer must be https, ending /');
  check(isHttpsUrl(config.altinnPlatformUrl, false), 'altinnPlatformUrl must be https, no /');
  check(/^vpc-[0-9a-f]{8,17}$/.test(config.network?.vpcId ?? ''), 'network.vpcId must be vpc-…');
  const endpoints = config.network?.executeApiVpcEndpointIds ?? [];
  check(
    endpoints.length > 0 && endpoints.every((id) => /^vpce-[0-9a-f]{8,17}$/.test(id)),
    'network.executeApiVpcEndpointIds must hold at least one vpce-… id',
  );
  const callers = config.callerAccountIds ?? [];
  check(
    callers.length > 0 && callers.every((id) => /^\d{12}$/.test(id)),
    'callerAccountIds must hold at least one 12-digit account id',
  );
  problems.push(...validateAccess(config));
  check(
    /^[a-z0-9]{1,10}$/.test(config.bootstrapQualifier ?? ''),
    'bootstrapQualifier must be 1-10 lowercase letters or digits (cdk bootstrap --qualifier)',
  );
  for (const key of ['email', 'ticketEmail'] as const) {
    const email = config.alarms?.[key];
    check(
      email === undefined || /^[^\s@]+@[^\s@]+$/.test(email),
      `alarms.${key} must be an e-mail address`,
    );
  }
  check(
    config.alarms?.topicArn === undefined || config.alarms.topicArn.startsWith('arn:aws:sns:'),
    'alarms.topicArn must be an SNS topic ARN',
  );
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(config.logRetentionDays),
    `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
  );
  for (const [key, value] of Object.entries(config.names ?? {})) {
    const pattern =
      key === 'policyParameter'
        ? /^\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/
        : /^[A-Za-z0-9][A-Za-z0-9/_.-]{2,63}$/;
    check(pattern.test(value), `names.${key} is not a valid name`);
  }
  check(
    /^[A-Za-z0-9+=,.@_-]{1,64}$/.test(config.names?.functionRole ?? ''),
    'names.functionRole must be an IAM role name (no path)',
  );
  check(
    Number.isInteger(config.deadlineMs) &&
      config.deadlineMs >= 500 &&
      config.deadlineMs <= MAX_DEADLINE_MS,
    `deadlineMs must be an integer 500-${MAX_DEADLINE_MS} (the API's integration timeout is at most 29 s)`,
  );
  check(
    config.policyParameterTier === 'Standard' || config.policyParameterTier === 'Advanced',
    'policyParameterTier must be Standard or Advanced',
  );
  check(
    config.tableRemoval === 'retain' || config.tableRemoval === 'destroy',
    'tableRemoval must be retain or destroy',
  );
  problems.push(...validateSigningKeys(config.signingKeys ?? []));
  const { throttlingRateLimit: rate, throttlingBurstLimit: burst } = config.api ?? {};
  check(
    Number.isInteger(rate) && Number.isInteger(burst) && rate > 0 && burst >= rate,
    'api throttling: rate and burst must be positive integers, burst >= rate',
  );
  const memory = config.function?.memoryMb;
  check(
    Number.isInteger(memory) && memory >= 256 && memory <= 10240,
    'function.memoryMb 256-10240',
  );
  const peak = config.function?.peakRequestsPerSecond;
  check(
    typeof peak === 'number' && peak > 0 && peak <= 1000,
    'function.peakRequestsPerSecond must be a number above 0 (at most 1000)',
  );
  return problems;
}

/**
 * The largest deadline the infra accepts: deadline + the integration timeout margin must stay within
 * API Gateway's default 29 s integration timeout (`infra/sizing.ts`).
 */
export const MAX_DEADLINE_MS = 26_000;

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

function validateAccess(config: BrokerEnvironmentConfig): string[] {
  const problems: string[] = [];
  const admins = config.access?.keyAdminRoleArns ?? [];
  const inAccount = (arn: string) => ROLE_ARN.exec(arn)?.[1] === config.account;
  if (admins.length === 0 || !admins.every(inAccount)) {
    problems.push(
      'access.keyAdminRoleArns must hold IAM role ARNs in the environment account (no wildcards)',
    );
  } else if (!admins.includes(cdkExecutionRoleArn(config))) {
    problems.push(
      `access.keyAdminRoleArns must include CloudFormation's execution role ${cdkExecutionRoleArn(config)}: it creates the keys and must be allowed to update their policies`,
    );
  }
  const ops = config.access?.opsRoleArn;
  if (ops !== undefined && !inAccount(ops)) {
    problems.push('access.opsRoleArn must be an IAM role ARN in the environment account');
  }
  if (ops !== undefined && admins.includes(ops)) {
    problems.push('access.opsRoleArn must not be a key admin (admins never sign or read tokens)');
  }
  if (ops !== undefined && ops === functionRoleArn(config)) {
    problems.push('access.opsRoleArn must not be the function role');
  }
  return problems;
}

function validateSigningKeys(keys: readonly SigningKeyConfig[]): string[] {
  const problems: string[] = [];
  const names = keys.map((key) => key.name);
  if (names.some((name) => !/^[a-z0-9][a-z0-9-]{0,31}$/.test(name))) {
    problems.push('signingKeys: names must be lowercase letters, digits and dashes');
  }
  if (new Set(names).size !== names.length) problems.push('signingKeys: names must be unique');
  const active = keys.filter((key) => key.active && !key.retired);
  if (active.length !== 1 || keys.some((key) => key.active && key.retired)) {
    problems.push('signingKeys: exactly one key must be active (and not retired)');
  }
  if (keys.filter((key) => !key.active && !key.retired).length > 1) {
    problems.push('signingKeys: at most one key may be next to the active one; retire the rest');
  }
  return problems;
}

function isHttpsUrl(value: string | undefined, trailingSlash: boolean): boolean {
  if (!value || !URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && value.endsWith('/') === trailingSlash && !url.search;
}

/** The active key and, during rotation, the next one. */
export function liveSigningKeys(config: BrokerEnvironmentConfig): {
  active: SigningKeyConfig;
  next?: SigningKeyConfig;
} {
  const active = config.signingKeys.find((key) => key.active && !key.retired);
  if (!active) throw new Error(`Environment "${config.name}" has no active signing key`);
  const next = config.signingKeys.find((key) => !key.active && !key.retired);
  return next ? { active, next } : { active };
}
