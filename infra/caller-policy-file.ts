import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readPolicyDocument } from '../shared/domain/policy-document.js';
import { type BrokerEnvironmentConfig, EnvironmentConfigError } from './config.js';

/** Where the version-controlled caller policies live: `infra/policies/<env>.json`. */
export const POLICY_DIR = fileURLToPath(new URL('./policies/', import.meta.url));

/**
 * The most an SSM String parameter holds per tier (characters of the value): 4 KB Standard, 8 KB
 * Advanced. https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 */
export const SSM_VALUE_LIMIT = { Standard: 4096, Advanced: 8192 } as const;

/** The caller policy as deployed: minified JSON in the format `parsePolicy` reads. */
export interface CallerPolicyDocument {
  readonly path: string;
  /** `{"rules":[...]}`, whitespace removed: the SSM parameter's value. */
  readonly value: string;
  readonly ruleCount: number;
}

/**
 * Reads and checks `infra/policies/<env>.json` the way the broker will: `readPolicyDocument` (no
 * duplicate keys, then `parsePolicy`) must accept it, every caller must be in one of
 * `callerAccountIds` (anyone else is refused by the API's resource policy before the broker sees
 * them), and it must fit the parameter's tier. Any problem throws an
 * `EnvironmentConfigError` naming the file, so synth and CI fail before a deploy does.
 */
export function loadCallerPolicyFile(
  config: Pick<BrokerEnvironmentConfig, 'name' | 'callerAccountIds' | 'policyParameterTier'>,
  dir: string = POLICY_DIR,
): CallerPolicyDocument {
  const path = `${dir.replace(/\/$/, '')}/${config.name}.json`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new EnvironmentConfigError(
      `No caller policy for environment "${config.name}": create ${path} ({"rules": [...]}, see README "Caller policy")`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new EnvironmentConfigError(`${path} is not JSON: ${(error as Error).message}`);
  }
  let policy: ReturnType<typeof readPolicyDocument>;
  try {
    // The broker's own reader: duplicate keys and every pattern rule fail here as in the Lambda.
    policy = readPolicyDocument(text, path);
  } catch (error) {
    throw new EnvironmentConfigError((error as Error).message);
  }
  const strangers = policy.rules
    .flatMap((rule) => rule.callers)
    .filter((arn) => !config.callerAccountIds.includes(arn.split(':')[4] ?? ''));
  if (strangers.length > 0) {
    throw new EnvironmentConfigError(
      `${path}: callers outside callerAccountIds can never reach the broker: ${strangers.join(', ')}`,
    );
  }
  const value = JSON.stringify(document);
  const limit = SSM_VALUE_LIMIT[config.policyParameterTier];
  if (value.length > limit) {
    throw new EnvironmentConfigError(
      `${path} is ${value.length} characters minified; a ${config.policyParameterTier} SSM parameter holds ${limit}. Merge rules or use role-name patterns (role/team-*), or set policyParameterTier: 'Advanced' (8 KB)`,
    );
  }
  return { path, value, ruleCount: policy.rules.length };
}
