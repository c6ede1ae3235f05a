import { z } from 'zod';
import { describeIssue } from '../domain/token-request.js';

/**
 * The environment's secret (Secrets Manager): client settings that may change without a deploy,
 * and the caller policy. Read at cold start; a bad secret fails the start with a clear message.
 */
export interface SecretConfig {
  clientId: string;
  kid?: string;
  kidNext?: string;
  policy?: unknown;
}

const secretSchema = z.strictObject({
  clientId: z.string().min(1, 'must not be empty').max(200),
  kid: z.string().min(1).max(200).optional(),
  kidNext: z.string().min(1).max(200).optional(),
  policy: z.unknown().optional(),
});

export function parseSecretConfig(value: unknown, secretName: string): SecretConfig {
  const parsed = secretSchema.safeParse(value);
  if (!parsed.success) {
    throw new TypeError(`secret ${secretName} is invalid: ${describeIssue(parsed.error.issues[0])}`);
  }
  const { clientId, kid, kidNext, policy } = parsed.data;
  const config: SecretConfig = { clientId };
  if (kid) config.kid = kid;
  if (kidNext) config.kidNext = kidNext;
  if (policy !== undefined) config.policy = policy;
  return config;
}
