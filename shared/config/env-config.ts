import { isValidOrgnr } from '../domain/orgnr.js';
import { requireSecureUrl } from '../domain/secure-url.js';
import { ENV } from './env-names.js';

/** A request's deadline unless `BROKER_DEADLINE_MS` says otherwise. */
export const DEFAULT_DEADLINE_MS = 6_000;

/**
 * What the Lambda keeps back after a request's deadline to answer (the API's own last-resort 504
 * comes 250 ms after the deadline): a request's deadline is the sooner of `BROKER_DEADLINE_MS` and
 * the invocation's remaining time less this margin, so the broker always answers before Lambda
 * stops it. A function timeout of at least the deadline plus this margin keeps `BROKER_DEADLINE_MS`
 * whole on a warm invocation.
 */
export const LAMBDA_DEADLINE_MARGIN_MS = 1_000;
export const DEFAULT_PORT = 8080;
/** How long a refusal by Maskinporten is remembered per cache key (`BROKER_REFUSAL_CACHE_SECONDS`). */
export const DEFAULT_REFUSAL_CACHE_SECONDS = 30;
export const MAX_REFUSAL_CACHE_SECONDS = 300;
export const DEFAULT_HOST = '127.0.0.1';

/** A signing key reference as configured: `file:<path>` or `kms:<key id>`, with an optional kid. */
export interface SigningKeyConfig {
  spec: string;
  kid?: string;
}

/** Configuration read from the environment, validated once at start. */
export interface EnvConfig {
  /** Unset locally means sandbox mode. */
  issuer?: string;
  clientId?: string;
  signingKey?: SigningKeyConfig;
  signingKeyNext?: SigningKeyConfig;
  altinnPlatform?: string;
  /** The broker's system in Altinn's register (`ALTINN_SYSTEM_ID`). */
  systemId?: string;
  tokenCacheTable?: string;
  /** The KMS key whose data keys seal cached tokens (`TOKEN_CACHE_KMS_KEY`). */
  tokenCacheKmsKey?: string;
  /** Where Lambda events must come from: `BROKER_API_ID`, `BROKER_API_STAGE`. */
  apiId?: string;
  apiStage?: string;
  /** `BROKER_VPC_ENDPOINT_IDS`, split on commas. */
  vpcEndpointIds?: string[];
  policyFile?: string;
  /** Lambda: the SSM parameter that holds the caller policy. */
  policyParameter?: string;
  configSecret?: string;
  /** How long Maskinporten's refusal of a request is answered from memory (0: never). */
  refusalCacheSeconds: number;
  environment: string;
  deadlineMs: number;
  sandboxTokenLifetime: number;
  port: number;
  host: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and checks the environment. Errors name the variable; a bad value fails the start instead
 * of silently falling back to a default.
 */
export function loadEnvConfig(env: Env = process.env): EnvConfig {
  const issuer = optional(env, ENV.issuer);
  if (issuer !== undefined) {
    const url = requireSecureUrl(issuer, ENV.issuer);
    // The issuer is used verbatim as the grant `aud`: `new URL('https://x').pathname` is '/' too.
    if (!issuer.endsWith('/') || url.search || url.hash) {
      throw new TypeError(`${ENV.issuer} must end with "/": ${issuer}`);
    }
  }
  const altinnPlatform = optional(env, ENV.altinnPlatform);
  if (altinnPlatform !== undefined) requireSecureUrl(altinnPlatform, ENV.altinnPlatform);
  if (issuer !== undefined && altinnPlatform !== undefined) {
    requireOneEnvironment(issuer, altinnPlatform);
  }
  const systemId = optional(env, ENV.altinnSystemId);
  if (systemId !== undefined && !isSystemId(systemId)) {
    throw new TypeError(
      `${ENV.altinnSystemId} must be <vendor orgno>_<name> without spaces, got ${JSON.stringify(systemId)}`,
    );
  }
  const config: EnvConfig = {
    environment: optional(env, ENV.environment) ?? (issuer ? 'unnamed' : 'local'),
    deadlineMs: integer(env, ENV.deadlineMs, DEFAULT_DEADLINE_MS, 500, 30_000),
    sandboxTokenLifetime: integer(env, ENV.sandboxTokenLifetime, 120, 2, 86_400),
    refusalCacheSeconds: integer(
      env,
      ENV.refusalCacheSeconds,
      DEFAULT_REFUSAL_CACHE_SECONDS,
      0,
      MAX_REFUSAL_CACHE_SECONDS,
    ),
    port: integer(env, ENV.port, DEFAULT_PORT, 0, 65_535),
    host: optional(env, ENV.host) ?? DEFAULT_HOST,
  };
  assign(config, 'issuer', issuer);
  assign(config, 'clientId', optional(env, ENV.clientId));
  assign(config, 'signingKey', signingKey(env, ENV.signingKey, ENV.signingKid));
  assign(config, 'signingKeyNext', signingKey(env, ENV.signingKeyNext, ENV.signingKidNext));
  assign(config, 'altinnPlatform', altinnPlatform);
  assign(config, 'systemId', systemId);
  assign(config, 'tokenCacheTable', optional(env, ENV.tokenCacheTable));
  assign(config, 'tokenCacheKmsKey', kmsKeyRef(env, ENV.tokenCacheKmsKey));
  assign(config, 'apiId', matching(env, ENV.apiId, API_ID, 'an API Gateway REST API id'));
  assign(config, 'apiStage', matching(env, ENV.apiStage, STAGE_NAME, 'an API Gateway stage name'));
  assign(config, 'vpcEndpointIds', vpcEndpointIds(env));
  assign(config, 'policyFile', policyFile(env));
  assign(config, 'policyParameter', optional(env, ENV.policyParameter));
  assign(config, 'configSecret', optional(env, ENV.configSecret));
  return config;
}

/**
 * True where a stack deployed the broker: `BROKER_ENVIRONMENT` names an environment other than
 * `local`. There the Lambda fails closed on settings that protect it (the event source, the token
 * seal key) instead of starting without them.
 */
export function isDeployedEnvironment(env: Env = process.env): boolean {
  const environment = optional(env, ENV.environment);
  return environment !== undefined && environment !== 'local';
}

/**
 * `BROKER_POLICY_FILE`: unset means no policy, but set and blank is a mistake (an empty variable
 * in a script or a compose file), never "no policy".
 */
function policyFile(env: Env): string | undefined {
  const raw = env[ENV.policyFile];
  if (raw !== undefined && raw.trim() === '') {
    throw new TypeError(
      `${ENV.policyFile} is set but blank: name a caller policy file, or unset it for none`,
    );
  }
  return optional(env, ENV.policyFile);
}

/** Outside sandbox mode these must be set; the message lists every one that is missing. */
export function requireUpstreamConfig(
  config: EnvConfig,
): Required<Pick<EnvConfig, 'issuer' | 'clientId' | 'signingKey'>> {
  const missing: string[] = [];
  if (!config.issuer) missing.push(ENV.issuer);
  if (!config.clientId) missing.push(ENV.clientId);
  if (!config.signingKey) missing.push(ENV.signingKey);
  if (missing.length > 0 || !config.issuer || !config.clientId || !config.signingKey) {
    throw new TypeError(`missing required environment variable(s): ${missing.join(', ')}`);
  }
  return { issuer: config.issuer, clientId: config.clientId, signingKey: config.signingKey };
}

/** The Digdir environment a known Maskinporten or Altinn platform host belongs to. */
export type DigdirEnvironment = 'test' | 'production';

/**
 * The hosts whose environment is known: Maskinporten's issuers and Altinn's platforms (TT02 is
 * Altinn's test environment, paired with test Maskinporten).
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_func_wellknown
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/
 */
export const KNOWN_HOSTS: Readonly<Record<string, DigdirEnvironment>> = {
  'test.maskinporten.no': 'test',
  'maskinporten.no': 'production',
  'platform.tt02.altinn.no': 'test',
  'platform.altinn.no': 'production',
};

/** The environment of a Maskinporten issuer or Altinn platform URL; undefined for another host. */
export function environmentOf(url: string): DigdirEnvironment | undefined {
  return KNOWN_HOSTS[new URL(url).hostname.toLowerCase()];
}

/**
 * Refuses test Maskinporten with production Altinn, and the reverse: Altinn would refuse every
 * vendor token (or, worse, production tokens would be sent to the test platform). Only known hosts
 * are compared: a host of neither list (the sandbox on loopback, a proxy, another Altinn test
 * environment) has no known environment and is not checked.
 */
function requireOneEnvironment(issuer: string, altinnPlatform: string): void {
  const maskinporten = environmentOf(issuer);
  const altinn = environmentOf(altinnPlatform);
  if (maskinporten === undefined || altinn === undefined || maskinporten === altinn) return;
  throw new TypeError(
    `${ENV.issuer} (${issuer}, ${maskinporten}) and ${ENV.altinnPlatform} (${altinnPlatform}, ${altinn}) belong to different environments: use https://test.maskinporten.no/ with https://platform.tt02.altinn.no, and https://maskinporten.no/ with https://platform.altinn.no`,
  );
}

/** Altinn's rule for system ids: the vendor orgno, `_`, a name; no whitespace. */
export function isSystemId(value: string): boolean {
  const match = /^(\d{9})_\S+$/.exec(value);
  return match !== null && isValidOrgnr(match[1] as string);
}

// API Gateway ids are 10 lower-case alphanumerics; stage names are letters, digits, `-` and `_`.
const API_ID = /^[a-z0-9]{10}$/;
const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const VPC_ENDPOINT_ID = /^vpce-[0-9a-f]{8,17}$/;
// A key id (UUID or multi-Region mrk-…), an alias name, or a key or alias ARN in any partition.
const KMS_KEY_REF =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key\/(?:mrk-)?[0-9a-f-]+|alias\/[A-Za-z0-9/_-]+))$/;

function matching(env: Env, name: string, pattern: RegExp, what: string): string | undefined {
  const value = optional(env, name);
  if (value !== undefined && !pattern.test(value)) {
    throw new TypeError(`${name} must be ${what}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function kmsKeyRef(env: Env, name: string): string | undefined {
  return matching(env, name, KMS_KEY_REF, 'a KMS key ARN, key id or alias');
}

function vpcEndpointIds(env: Env): string[] | undefined {
  const raw = optional(env, ENV.vpcEndpointIds);
  if (raw === undefined) return undefined;
  const ids = raw.split(',').map((id) => id.trim());
  const bad = ids.find((id) => !VPC_ENDPOINT_ID.test(id));
  if (bad !== undefined) {
    throw new TypeError(
      `${ENV.vpcEndpointIds} must be comma-separated VPC endpoint ids (vpce-…), got ${JSON.stringify(bad)}`,
    );
  }
  return ids;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(
      `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

function signingKey(env: Env, specName: string, kidName: string): SigningKeyConfig | undefined {
  const spec = optional(env, specName);
  const kid = optional(env, kidName);
  if (!spec) {
    if (kid) throw new TypeError(`${kidName} is set but ${specName} is not`);
    return undefined;
  }
  return kid ? { spec, kid } : { spec };
}

function assign<K extends keyof EnvConfig>(
  config: EnvConfig,
  key: K,
  value: EnvConfig[K] | undefined,
) {
  if (value !== undefined) config[key] = value;
}
