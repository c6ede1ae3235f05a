import { BrokerError } from './errors.js';
import type { TokenRequest } from './token-request.js';

/** Who is calling: the IAM principal in AWS, a named or the default identity on the local server. */
export interface CallerIdentity {
  /** IAM role ARN (the STS session mapped to its role), or a local name. */
  id: string;
  /**
   * The IAM role's unique id (`AROA…`), from API Gateway's `requestContext.identity.caller`
   * (`AROA…:<session>`): a role deleted and created again under the same name gets a new one.
   * Only in AWS; the local server cannot prove one.
   */
  roleId?: string;
  /** Where the identity came from; a header-named identity is trusted only on the local server. */
  source: 'iam' | 'local-default' | 'local-header';
}

/**
 * Who may ask for what. A rule names callers (exact IAM role ARNs, or ARNs with `*` in the role
 * name) and what they may request. A request is allowed when one rule matching the caller allows
 * all of it; no rule, no token. Everything a rule does not grant is denied.
 */
export interface CallerPolicy {
  rules: readonly PolicyRule[];
  /** Every caller may do anything: the local server without a policy file, never AWS. */
  open?: boolean;
  /**
   * Scopes no wildcard grants, as exact scopes or prefixes ending in `*`: the built-in
   * {@link VENDOR_ADMIN_SCOPES} and the document's own `administrativeScopes`. A rule must name
   * such a scope exactly.
   */
  administrativeScopes?: readonly string[];
}

export interface PolicyRule {
  /** A label for audit logs; never shown to callers. */
  name?: string;
  callers: readonly string[];
  /** When set, the caller must also be one of these roles by unique id (`AROA…`). */
  roleIds?: readonly string[];
  /** Exact scopes, or prefixes ending in `*` (`krr:*`). */
  scopes: readonly string[];
  /** Customer orgs the caller may act for (`org`, and `consumerOrg`), or `"*"` for any. */
  orgs: readonly string[] | '*';
  /** May ask for plain vendor tokens (no `org`). Default false. */
  vendorTokens: boolean;
  /** May force a refresh with `skipCache`. Default false. */
  skipCache: boolean;
  /** May drive system-user requests (onboarding) for its orgs. Default false. */
  systemUserRequests: boolean;
  /** The exchanges it may ask for (`exchange: "altinn"`). Default none. */
  exchange: readonly 'altinn'[];
  /** The `externalRef`s it may name for its orgs, or `"*"`. Default none: the default system user. */
  externalRefs: readonly string[] | '*';
  /** Requests per minute, per caller, that may miss the caches (the rule's, or the policy's default). */
  maxMissesPerMinute: number;
}

/**
 * What a caller asks to do, as far as the policy cares. A new kind of call gets a member here and
 * a case in `allows` (issue 9 adds `{ kind: 'change-request'; org: string }`).
 */
export type PolicyAction =
  /** `POST /v1/token`: the validated request, all of it (a rule may look at any field). */
  | { kind: 'token'; request: TokenRequest }
  /** Onboarding: system-user requests and lookups. `org` is unknown until Altinn names it. */
  | { kind: 'onboarding'; org?: string };

/**
 * The policy's answer: the rule that allowed it (for the audit log) and its cache-miss budget
 * (none under the open policy), or why not (for the caller).
 */
export type PolicyDecision =
  | { allowed: true; rule: string; maxMissesPerMinute?: number }
  | { allowed: false; reason: string };

/**
 * Scopes that administer the vendor itself in Altinn's system register and Digdir's self-service
 * API: a wildcard never grants them (`altinn:*` does not reach `systemregister.write`). The broker
 * uses the Altinn ones for onboarding with its own tokens, and `idporten:dcr.*` for its keys.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/scopes/
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_sjolvbetjening_api
 */
export const VENDOR_ADMIN_SCOPES: readonly string[] = [
  'altinn:authentication/systemregister.*',
  'altinn:authentication/systemuser.request.*',
  'idporten:dcr.*',
  'idporten:dcr/*',
];

/** Allows nothing to anyone: AWS without a configured policy. */
export const DENY_ALL: CallerPolicy = { rules: [] };

/** Allows everything to everyone: the local server without a policy file. */
export const OPEN_POLICY: CallerPolicy = { rules: [], open: true };

/**
 * The one authorisation decision: may this caller do this? A caller is allowed when one rule that
 * names it allows all of the action. A denial says what was denied, never which rule or why not.
 */
export function decide(
  policy: CallerPolicy,
  caller: CallerIdentity | undefined,
  action: PolicyAction,
): PolicyDecision {
  if (policy.open) return { allowed: true, rule: 'open (no policy)' };
  if (!caller?.id) return { allowed: false, reason: 'the caller has no identity' };
  const rules = policy.rules.filter((rule) => namesCaller(rule, caller));
  if (rules.length === 0) {
    return { allowed: false, reason: `caller ${caller.id} is not allowed to use the broker` };
  }
  const admin = policy.administrativeScopes ?? VENDOR_ADMIN_SCOPES;
  const allowing = rules.find((rule) => allows(rule, action, admin));
  if (allowing) {
    return {
      allowed: true,
      rule: ruleLabel(policy, allowing),
      maxMissesPerMinute: allowing.maxMissesPerMinute,
    };
  }
  return { allowed: false, reason: `caller ${caller.id} may not ${describeAction(action)}` };
}

/** {@link decide}, with a denial thrown as `access_denied`; resolves the allowing rule's name. */
export function requireAllowed(
  policy: CallerPolicy,
  caller: CallerIdentity | undefined,
  action: PolicyAction,
): string {
  return requireDecision(policy, caller, action).rule;
}

/** {@link decide}, with a denial thrown as `access_denied`; resolves the allowing decision. */
export function requireDecision(
  policy: CallerPolicy,
  caller: CallerIdentity | undefined,
  action: PolicyAction,
): Extract<PolicyDecision, { allowed: true }> {
  const decision = decide(policy, caller, action);
  if (!decision.allowed) throw new BrokerError('access_denied', decision.reason);
  return decision;
}

/** A rule's name for logs: its own, or its place in the document. */
export function ruleLabel(policy: CallerPolicy, rule: PolicyRule): string {
  return rule.name ?? `rule #${policy.rules.indexOf(rule) + 1}`;
}

/** True when `scope` is one no wildcard may grant. */
export function isAdministrativeScope(scope: string, administrative: readonly string[]): boolean {
  return administrative.some((pattern) => matchesScope(pattern, scope));
}

function namesCaller(rule: PolicyRule, caller: CallerIdentity): boolean {
  if (!rule.callers.some((pattern) => matchesArn(pattern, caller.id))) return false;
  return (
    rule.roleIds === undefined ||
    (caller.roleId !== undefined && rule.roleIds.includes(caller.roleId))
  );
}

function allows(rule: PolicyRule, action: PolicyAction, admin: readonly string[]): boolean {
  switch (action.kind) {
    case 'onboarding':
      return rule.systemUserRequests && orgAllowed(rule, action.org);
    case 'token': {
      const { scopes, org, consumerOrg, skipCache, exchange, externalRef } = action.request;
      if (skipCache && !rule.skipCache) return false;
      if (!scopes.every((scope) => grantsScope(rule, scope, admin))) return false;
      if (org === undefined && !rule.vendorTokens) return false;
      if (exchange !== undefined && !rule.exchange.includes(exchange)) return false;
      if (externalRef !== undefined && !externalRefAllowed(rule, externalRef)) return false;
      return orgAllowed(rule, org) && orgAllowed(rule, consumerOrg);
    }
  }
}

/** An administrative scope only by its exact name; any other scope by name or prefix. */
function grantsScope(rule: PolicyRule, scope: string, admin: readonly string[]): boolean {
  if (isAdministrativeScope(scope, admin)) return rule.scopes.includes(scope);
  return rule.scopes.some((allowed) => matchesScope(allowed, scope));
}

function orgAllowed(rule: PolicyRule, org: string | undefined): boolean {
  return org === undefined || rule.orgs === '*' || rule.orgs.includes(org);
}

function externalRefAllowed(rule: PolicyRule, externalRef: string): boolean {
  return rule.externalRefs === '*' || rule.externalRefs.includes(externalRef);
}

function matchesScope(allowed: string, scope: string): boolean {
  return allowed.endsWith('*') ? scope.startsWith(allowed.slice(0, -1)) : allowed === scope;
}

/** `*` matches any run of characters within one path segment of the ARN's resource. */
function matchesArn(pattern: string, arn: string): boolean {
  if (!pattern.includes('*')) return pattern === arn;
  let regex = compiledPatterns.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('[^/:]*')}$`);
    compiledPatterns.set(pattern, regex);
  }
  return regex.test(arn);
}

const compiledPatterns = new Map<string, RegExp>();

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function describeAction(action: PolicyAction): string {
  if (action.kind === 'onboarding') {
    return `manage system-user requests${action.org ? ` for org ${action.org}` : ''}`;
  }
  const { scopes, org, consumerOrg, skipCache, externalRef, exchange } = action.request;
  const forWhom = org ? ` for org ${org}` : ' as a plain vendor token';
  const ref = externalRef === undefined ? '' : ` with externalRef ${externalRef}`;
  const delegated = consumerOrg ? ` on behalf of ${consumerOrg}` : '';
  const exchanged = exchange
    ? ` exchanged for an ${exchange === 'altinn' ? 'Altinn' : exchange} token`
    : '';
  const refresh = skipCache ? ' with skipCache' : '';
  return `get scope ${scopes.join(' ')}${forWhom}${ref}${delegated}${exchanged}${refresh}`;
}
