import * as z from 'zod/mini';
import { describeIssue } from '../domain/schema-fields.js';
import { isSystemId } from './env-config.js';

/**
 * The environment's secret (Secrets Manager): client settings that may change without a deploy,
 * and the caller policy. Read at cold start; a bad secret fails the start with a clear message.
 */
export interface SecretConfig {
  clientId: string;
  kid?: string;
  kidNext?: string;
  /** The broker's system in Altinn's register; overrides `ALTINN_SYSTEM_ID`. */
  systemId?: string;
  policy?: unknown;
}

const shortText = () => z.string().check(z.minLength(1), z.maxLength(200));

const secretSchema = z.strictObject({
  clientId: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(200)),
  kid: z.optional(shortText()),
  kidNext: z.optional(shortText()),
  systemId: z.optional(
    z.string().check(z.refine(isSystemId, 'must be <vendor orgno>_<name> without spaces')),
  ),
  policy: z.optional(z.unknown()),
});

export function parseSecretConfig(value: unknown, secretName: string): SecretConfig {
  const parsed = secretSchema.safeParse(value);
  if (!parsed.success) {
    throw new TypeError(
      `secret ${secretName} is invalid: ${describeIssue(parsed.error.issues[0])}`,
    );
  }
  const { clientId, kid, kidNext, systemId, policy } = parsed.data;
  const config: SecretConfig = { clientId };
  if (kid) config.kid = kid;
  if (kidNext) config.kidNext = kidNext;
  if (systemId) config.systemId = systemId;
  if (policy !== undefined) config.policy = policy;
  return config;
}
