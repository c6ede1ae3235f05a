import { MASKINPORTEN_ADMIN_SCOPE } from '../shared/ports/maskinporten-admin.js';
import { type BrokerEnvironmentConfig, canaryRoleArn, keySyncRoleArn } from './config.js';

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

/** A route of the API an infra caller invokes, as `METHOD /path` (infra's `ROUTES`). */
export type InfraCallerRoute = 'POST /v1/token' | 'GET /v1/health';

/**
 * Callers this infrastructure creates itself (or names in config): their roles (by ARN string, as
 * the key and resource policies name roles, in `rule.callers`), the routes they invoke and what
 * the broker lets them ask for. Each one's rule is merged into the deployed caller policy next to
 * the rules of `infra/policies/<env>.json`, and the API's resource policy admits its roles on
 * exactly its routes, so nobody edits a policy file by hand for them.
 */
export interface InfraCaller {
  readonly routes: readonly InfraCallerRoute[];
  readonly rule: PolicyRuleDocument;
}

/** Names of generated rules start with this; a policy file may not use it. */
export const GENERATED_RULE_PREFIX = 'infra:';

/**
 * The callers infra adds to the environment:
 * - the scheduled key sync, which gets exactly the admin scope as a plain vendor token (named
 *   exactly: a wildcard never grants an administrative scope), on the token route;
 * - the smoke test: the scheduled canary's role, and the ops role (`access.opsRoleArn`, when
 *   configured) for `npm run smoke`, which get exactly the environment's smoke scope
 *   (`smokeTest.scope`) as a plain vendor token, on the health and token routes.
 */
export function infraCallers(config: BrokerEnvironmentConfig): InfraCaller[] {
  const keySync = keySyncRoleArn(config);
  const smokeCallers = [canaryRoleArn(config)];
  if (config.access.opsRoleArn) smokeCallers.push(config.access.opsRoleArn);
  return [
    {
      routes: ['POST /v1/token'],
      rule: {
        name: `${GENERATED_RULE_PREFIX}key-sync`,
        callers: [keySync],
        scopes: [MASKINPORTEN_ADMIN_SCOPE],
        orgs: [],
        vendorTokens: true,
      },
    },
    {
      routes: ['GET /v1/health', 'POST /v1/token'],
      rule: {
        name: `${GENERATED_RULE_PREFIX}smoke-test`,
        callers: smokeCallers,
        scopes: [config.smokeTest.scope],
        orgs: [],
        vendorTokens: true,
      },
    },
  ];
}

/** The roles of the infra callers that invoke `route`, in rule order, each once. */
export function infraCallerRoles(
  config: BrokerEnvironmentConfig,
  route: InfraCallerRoute,
): string[] {
  const roles = infraCallers(config)
    .filter((caller) => caller.routes.includes(route))
    .flatMap((caller) => caller.rule.callers);
  return [...new Set(roles)];
}

/** The names of the generated rules, after {@link GENERATED_RULE_PREFIX}. */
export type InfraCallerName = 'key-sync' | 'smoke-test';

/** One infra caller by name: its routes are what its construct's role may invoke. */
export function infraCaller(config: BrokerEnvironmentConfig, name: InfraCallerName): InfraCaller {
  const found = infraCallers(config).find(
    (caller) => caller.rule.name === `${GENERATED_RULE_PREFIX}${name}`,
  );
  if (!found) throw new Error(`no infra caller named ${name}`);
  return found;
}
