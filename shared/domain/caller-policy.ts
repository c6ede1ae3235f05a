import * as z from 'zod/mini';
import { BrokerError } from './errors.js';
import { parseOrgnr } from './orgnr.js';
import { describeIssue } from './schema-fields.js';
import type { TokenRequest } from './token-request.js';

/** Who is calling: the IAM principal in AWS, a named or the default identity on the local server. */
export interface CallerIdentity {
  /** IAM role ARN (the STS session mapped to its role), or a local name. */
  id: string;
  /** Where the identity came from; a header-named identity is trusted only on the local server. */
  source: 'iam' | 'local-default' | 'local-header';
}

/**
 * Who may ask for what. A rule names callers (exact IAM role ARNs, or ARNs with `*` in the role
 * name) and what they may request. A request is allowed when one rule matching the caller allows
 * all of it; no rule, no token.
 */
export interface CallerPolicy {
  rules: readonly PolicyRule[];
  /** Every caller may do anything: the local server without a policy file, never AWS. */
  open?: boolean;
}

export interface PolicyRule {
  /** A label for audit logs; never shown to callers. */
  name?: string;
  callers: readonly string[];
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

/** The policy's answer: the rule that allowed it (for the audit log), or why not (for the caller). */
export type PolicyDecision = { allowed: true; rule: string } | { allowed: false; reason: string };

const ROLE_ARN = /^arn:aws[\w-]*:(iam|sts)::[^:]*:[\w+=,.@/*-]+$/;
const ACCOUNT = /^arn:[^:]+:[^:]+::(\d{12}):/;
const MAX_PATTERN_LENGTH = 256;

const ruleSchema = z.strictObject({
  name: z.optional(z.string().check(z.maxLength(100))),
  callers: z
    .array(
      z.string().check(
        z.maxLength(MAX_PATTERN_LENGTH),
        z.regex(
          ROLE_ARN,
          'must be IAM ARNs (arn:aws:iam::<account>:role/<name>), * allowed in the name',
        ),
        z.refine(
          (arn: string) => ACCOUNT.test(arn),
          'must name a 12-digit account (no * in the account)',
        ),
      ),
    )
    .check(z.minLength(1, 'must name at least one caller')),
  scopes: z
    .array(z.string().check(z.minLength(1), z.maxLength(MAX_PATTERN_LENGTH)))
    .check(z.minLength(1, 'must name at least one scope')),
  orgs: z.union([
    z.literal('*'),
    z.array(
      z
        .string()
        .check(z.refine((org: string) => parseOrgnr(org) !== undefined, 'must be valid orgnrs')),
    ),
  ]),
  vendorTokens: z.optional(z.boolean()),
  skipCache: z.optional(z.boolean()),
  systemUserRequests: z.optional(z.boolean()),
});

const policySchema = z.strictObject({ rules: z.array(ruleSchema).check(z.maxLength(1000)) });

/** Validates a policy document. A bad policy throws (and fails the start); it never opens up. */
export function parsePolicy(value: unknown, source: string): CallerPolicy {
  const parsed = policySchema.safeParse(value);
  if (!parsed.success) {
    throw new TypeError(
      `caller policy from ${source} is invalid: ${describeIssue(parsed.error.issues[0])}`,
    );
  }
  return {
    rules: parsed.data.rules.map((rule) => ({
      ...(rule.name ? { name: rule.name } : {}),
      callers: rule.callers,
      scopes: rule.scopes,
      orgs: rule.orgs === '*' ? '*' : rule.orgs.map((org) => parseOrgnr(org) as string),
      vendorTokens: rule.vendorTokens ?? false,
      skipCache: rule.skipCache ?? false,
      systemUserRequests: rule.systemUserRequests ?? false,
    })),
  };
}

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
  const callerId = caller?.id;
  if (!callerId) return { allowed: false, reason: 'the caller has no identity' };
  const rules = policy.rules.filter((rule) =>
    rule.callers.some((pattern) => matchesArn(pattern, callerId)),
  );
  if (rules.length === 0) {
    return { allowed: false, reason: `caller ${callerId} is not allowed to use the broker` };
  }
  const allowing = rules.find((rule) => allows(rule, action));
  if (allowing) return { allowed: true, rule: allowing.name ?? 'unnamed rule' };
  return { allowed: false, reason: `caller ${callerId} may not ${describeAction(action)}` };
}

/** {@link decide}, with a denial thrown as `access_denied`; resolves the allowing rule's name. */
export function requireAllowed(
  policy: CallerPolicy,
  caller: CallerIdentity | undefined,
  action: PolicyAction,
): string {
  const decision = decide(policy, caller, action);
  if (!decision.allowed) throw new BrokerError('access_denied', decision.reason);
  return decision.rule;
}

function allows(rule: PolicyRule, action: PolicyAction): boolean {
  switch (action.kind) {
    case 'onboarding':
      return rule.systemUserRequests && orgAllowed(rule, action.org);
    case 'token': {
      const { scopes, org, consumerOrg, skipCache } = action.request;
      if (skipCache && !rule.skipCache) return false;
      if (!scopes.every((scope) => rule.scopes.some((allowed) => matchesScope(allowed, scope)))) {
        return false;
      }
      if (org === undefined && !rule.vendorTokens) return false;
      return orgAllowed(rule, org) && orgAllowed(rule, consumerOrg);
    }
  }
}

function orgAllowed(rule: PolicyRule, org: string | undefined): boolean {
  return org === undefined || rule.orgs === '*' || rule.orgs.includes(org);
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
  const { scopes, org, consumerOrg, skipCache } = action.request;
  const forWhom = org ? ` for org ${org}` : ' as a plain vendor token';
  const delegated = consumerOrg ? ` on behalf of ${consumerOrg}` : '';
  const refresh = skipCache ? ' with skipCache' : '';
  return `get scope ${scopes.join(' ')}${forWhom}${delegated}${refresh}`;
}
