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
  assign(config, 'policyFile', policyFile(env));
  assign(config, 'policyParameter', optional(env, ENV.policyParameter));
  assign(config, 'configSecret', optional(env, ENV.configSecret));
  return config;
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

/** Altinn's rule for system ids: the vendor orgno, `_`, a name; no whitespace. */
export function isSystemId(value: string): boolean {
  const match = /^(\d{9})_\S+$/.exec(value);
  return match !== null && isValidOrgnr(match[1] as string);
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
