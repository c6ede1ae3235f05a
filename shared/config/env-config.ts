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
  configSecret?: string;
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
  assign(config, 'policyFile', optional(env, ENV.policyFile));
  assign(config, 'configSecret', optional(env, ENV.configSecret));
  return config;
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
