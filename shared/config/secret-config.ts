import * as z from 'zod/mini';
import { describeIssue } from '../domain/schema-fields.js';
import { isSystemId } from './env-config.js';

/**
 * The environment's secret (Secrets Manager): client settings that may change without a deploy.
 * Only what is secret or per-account lives here; the caller policy is version-controlled
 * (`infra/policies/<env>.json`, the SSM parameter `BROKER_POLICY_PARAMETER`). Read at cold start;
 * a bad secret fails the start with a clear message.
 */
export interface SecretConfig {
  clientId: string;
  kid?: string;
  kidNext?: string;
  /** The broker's system in Altinn's register; overrides `ALTINN_SYSTEM_ID`. */
  systemId?: string;
  /**
   * The secret still holds a `policy` from before the policy moved to the SSM parameter: it is
   * not read (and grants nothing), and the broker warns until it is removed.
   */
  obsoletePolicy?: true;
}

/** What the broker says while an old secret still carries a `policy`. */
export const OBSOLETE_POLICY_WARNING =
  'the secret still holds a "policy", which the broker no longer reads: the caller policy is infra/policies/<env>.json, deployed as the SSM parameter in BROKER_POLICY_PARAMETER. Remove "policy" from the secret';

const shortText = () => z.string().check(z.minLength(1), z.maxLength(200));

const secretSchema = z.strictObject({
  clientId: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(200)),
  kid: z.optional(shortText()),
  kidNext: z.optional(shortText()),
  systemId: z.optional(
    z.string().check(z.refine(isSystemId, 'must be <vendor orgno>_<name> without spaces')),
  ),
  // Accepted (so an old secret does not stop the broker) and reported, never used.
  policy: z.optional(z.unknown()),
});

export function parseSecretConfig(value: unknown, secretName: string): SecretConfig {
  const parsed = secretSchema.safeParse(value);
  if (!parsed.success) {
    throw new TypeError(
      `secret ${secretName} is invalid: ${describeIssue(parsed.error.issues[0])}`,
    );
  }
  const { clientId, kid, kidNext, systemId } = parsed.data;
  const config: SecretConfig = { clientId };
  if (kid) config.kid = kid;
  if (kidNext) config.kidNext = kidNext;
  if (systemId) config.systemId = systemId;
  if ('policy' in parsed.data) config.obsoletePolicy = true;
  return config;
}
