import * as z from 'zod';
import { DEFAULT_EXPIRY_WARNING_DAYS } from '../domain/key-status.js';
import { KID_PATTERN } from '../domain/public-jwk.js';
import { requireSecureUrl } from '../domain/secure-url.js';
import { loadEnvConfig, type SigningKeyConfig } from './env-config.js';
import { ENV } from './env-names.js';

/** A KMS key the sync reads the public half of (never signs with). */
export interface KmsKeyRef {
  /** Key id, ARN or alias, as in `kms:<key>`. */
  keyId: string;
  /** The configured kid; else the secret's, else the RFC 7638 thumbprint. */
  kid?: string;
}

/** The scheduled key sync's settings: the broker's keys, where Digdir and the broker are. */
export interface KeySyncConfig {
  environment: string;
  active: KmsKeyRef;
  next?: KmsKeyRef;
  retired: { kid: string; keyId: string }[];
  /** Digdir's self-service API base. */
  adminUrl: string;
  /** The broker's base URL: the admin token comes from its `POST /v1/token`. */
  brokerUrl: string;
  /** The broker's configuration secret: the client id and the kid overrides. */
  configSecret: string;
  expiryWarningDays: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const retiredSchema = z
  .array(
    z.strictObject({
      kid: z.string().regex(KID_PATTERN),
      keyId: z.string().min(1).max(2048),
    }),
  )
  .max(50);

/**
 * Reads the key sync's environment (set by infra): `SIGNING_KEY` and `SIGNING_KEY_NEXT` as
 * `kms:` keys (the same values the broker gets), `SIGNING_KEYS_RETIRED`, `MASKINPORTEN_ADMIN_URL`,
 * `BROKER_URL`, `BROKER_CONFIG_SECRET`. A problem throws a `TypeError` naming the variable.
 */
export function loadKeySyncConfig(env: Env): KeySyncConfig {
  const base = loadEnvConfig(env);
  const missing = [
    [ENV.signingKey, base.signingKey],
    [ENV.adminUrl, base.adminUrl],
    [ENV.brokerUrl, env[ENV.brokerUrl]?.trim()],
    [ENV.configSecret, base.configSecret],
  ].flatMap(([name, value]) => (value ? [] : [name]));
  if (missing.length > 0 || !base.signingKey || !base.adminUrl || !base.configSecret) {
    throw new TypeError(`missing required environment variable(s): ${missing.join(', ')}`);
  }
  const brokerUrl = requireSecureUrl(env[ENV.brokerUrl]?.trim() ?? '', ENV.brokerUrl).href;
  const config: KeySyncConfig = {
    environment: base.environment,
    active: kmsKey(base.signingKey, ENV.signingKey),
    retired: retiredKeys(env[ENV.retiredSigningKeys]),
    adminUrl: base.adminUrl,
    brokerUrl,
    configSecret: base.configSecret,
    expiryWarningDays: warningDays(env[ENV.keyExpiryWarningDays]),
  };
  if (base.signingKeyNext) config.next = kmsKey(base.signingKeyNext, ENV.signingKeyNext);
  return config;
}

function kmsKey(key: SigningKeyConfig, name: string): KmsKeyRef {
  if (!key.spec.startsWith('kms:') || key.spec.length <= 4) {
    throw new TypeError(`${name} must be a kms: key for the key sync`);
  }
  const ref: KmsKeyRef = { keyId: key.spec.slice(4) };
  if (key.kid) ref.kid = key.kid;
  return ref;
}

function retiredKeys(raw: string | undefined): { kid: string; keyId: string }[] {
  if (!raw?.trim()) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new TypeError(`${ENV.retiredSigningKeys} must be JSON`);
  }
  const result = retiredSchema.safeParse(parsed);
  if (!result.success) {
    throw new TypeError(
      `${ENV.retiredSigningKeys} must be [{"kid": "<kid>", "keyId": "<KMS key ARN>"}, ...]`,
    );
  }
  return result.data;
}

function warningDays(raw: string | undefined): number {
  if (!raw?.trim()) return DEFAULT_EXPIRY_WARNING_DAYS;
  const days = /^\d{1,3}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!(days >= 1 && days <= 180)) {
    throw new TypeError(`${ENV.keyExpiryWarningDays} must be a whole number of days from 1 to 180`);
  }
  return days;
}
