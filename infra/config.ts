/**
 * Typed per-environment settings, selected with `-c env=<name>`. Names, ids and ARNs only: never a
 * secret value (the Maskinporten client id and the caller policy live in the environment's secret,
 * filled in by ops). This module must not import aws-cdk-lib: the ops commands use it too.
 *
 * The account ids, VPC ids and VPC endpoint ids below are PLACEHOLDERS; ops replace them before the
 * first deploy (see the README, "Deploy" → "Prerequisites").
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
  readonly alarms: {
    /** E-mail subscribed to the environment's alarm topic (needs a confirmation click). */
    readonly email?: string;
    /** An existing SNS topic that also receives every alarm (e.g. the on-call integration). */
    readonly topicArn?: string;
  };
  /** CloudWatch Logs retention in days for the function and the API access logs. */
  readonly logRetentionDays: LogRetentionDays;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly names: {
    readonly table: string;
    readonly secret: string;
    readonly function: string;
    readonly api: string;
    readonly dashboard: string;
  };
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
    readonly reservedConcurrency?: number;
  };
  /** DynamoDB deletion protection on the token table. */
  readonly tableDeletionProtection: boolean;
}

/** The values CloudWatch Logs accepts (a subset; `RetentionDays` in aws-cdk-lib has the rest). */
export const LOG_RETENTION_DAYS = [7, 14, 30, 60, 90, 180, 365, 400, 545, 731, 1827] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

import { SERVICE_NAME } from '../shared/config/env-names.js';

/** Defined beside the env names so the handler and infra cannot disagree. */
export { SERVICE_NAME };

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
    alarms: { email: 'maskinporten-broker-alarms-test@example.com' },
    logRetentionDays: 30,
    logLevel: 'INFO',
    names: defaultNames('test'),
    signingKeys: [{ name: 'k2026a', active: true }],
    api: { throttlingRateLimit: 50, throttlingBurstLimit: 100, createCloudWatchRole: true },
    function: { memoryMb: 512 },
    tableDeletionProtection: false,
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
    alarms: { email: 'maskinporten-broker-alarms@example.com' },
    logRetentionDays: 365,
    logLevel: 'INFO',
    names: defaultNames('prod'),
    signingKeys: [{ name: 'k2026a', active: true }],
    api: { throttlingRateLimit: 200, throttlingBurstLimit: 400, createCloudWatchRole: true },
    function: { memoryMb: 512, reservedConcurrency: 50 },
    tableDeletionProtection: true,
  },
};

function defaultNames(env: EnvironmentName): BrokerEnvironmentConfig['names'] {
  return {
    table: `${SERVICE_NAME}-${env}-token-cache`,
    secret: `${SERVICE_NAME}/${env}/config`,
    function: `${SERVICE_NAME}-${env}-token`,
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
  check(
    config.alarms?.email === undefined || /^[^\s@]+@[^\s@]+$/.test(config.alarms.email),
    'alarms.email must be an e-mail address',
  );
  check(
    config.alarms?.topicArn === undefined || config.alarms.topicArn.startsWith('arn:aws:sns:'),
    'alarms.topicArn must be an SNS topic ARN',
  );
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(config.logRetentionDays),
    `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
  );
  for (const [key, value] of Object.entries(config.names ?? {})) {
    check(/^[A-Za-z0-9][A-Za-z0-9/_.-]{2,63}$/.test(value), `names.${key} is not a valid name`);
  }
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
