import { MASKINPORTEN_ADMIN_SCOPE } from '../shared/ports/maskinporten-admin.js';
import { type BrokerEnvironmentConfig, keySyncRoleArn } from './config.js';

/** A caller-policy rule as `infra/policies/<env>.json` holds it (`parsePolicy` reads both). */
export interface PolicyRuleDocument {
  readonly name: string;
  readonly callers: readonly string[];
  readonly scopes: readonly string[];
  readonly orgs: readonly string[] | '*';
  readonly vendorTokens?: boolean;
  readonly skipCache?: boolean;
  readonly systemUserRequests?: boolean;
}

/**
 * A caller this infrastructure creates itself: its role (by ARN string, as the key and resource
 * policies name roles) and what the broker lets it ask for. Each one's rule is merged into the
 * deployed caller policy next to the rules of `infra/policies/<env>.json`, and the API's resource
 * policy admits its role, so nobody edits a policy file by hand for it.
 */
export interface InfraCaller {
  readonly roleArn: string;
  readonly rule: PolicyRuleDocument;
}

/** Names of generated rules start with this; a policy file may not use it. */
export const GENERATED_RULE_PREFIX = 'infra:';

/**
 * The callers infra adds to the environment: the scheduled key sync, which gets exactly the admin
 * scope as a plain vendor token (named exactly: a wildcard never grants an administrative scope).
 * Add another one here (e.g. a canary) and it is in the policy and the API's resource policy.
 */
export function infraCallers(config: BrokerEnvironmentConfig): InfraCaller[] {
  const keySync = keySyncRoleArn(config);
  return [
    {
      roleArn: keySync,
      rule: {
        name: `${GENERATED_RULE_PREFIX}key-sync`,
        callers: [keySync],
        scopes: [MASKINPORTEN_ADMIN_SCOPE],
        orgs: [],
        vendorTokens: true,
      },
    },
  ];
}
