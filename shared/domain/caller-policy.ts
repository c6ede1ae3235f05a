import * as z from 'zod';
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

/** What a caller asks to do, as far as the policy cares. */
export interface PolicyAction {
  scopes?: readonly string[];
  org?: string;
  consumerOrg?: string;
  skipCache?: boolean;
  /** Onboarding (system-user requests and lookups) rather than a token. */
  systemUserRequests?: boolean;
}

const ROLE_ARN = /^arn:aws[\w-]*:(iam|sts)::[^:]*:[\w+=,.@/*-]+$/;
const ACCOUNT = /^arn:[^:]+:[^:]+::(\d{12}):/;
const MAX_PATTERN_LENGTH = 256;

const ruleSchema = z.strictObject({
  name: z.string().max(100).optional(),
  callers: z
    .array(
      z
        .string()
        .max(MAX_PATTERN_LENGTH)
        .regex(
          ROLE_ARN,
          'must be IAM ARNs (arn:aws:iam::<account>:role/<name>), * allowed in the name',
        )
        .refine((arn) => ACCOUNT.test(arn), 'must name a 12-digit account (no * in the account)'),
    )
    .min(1, 'must name at least one caller'),
  scopes: z.array(z.string().min(1).max(MAX_PATTERN_LENGTH)).min(1, 'must name at least one scope'),
  orgs: z.union([
    z.literal('*'),
    z.array(z.string().refine((org) => parseOrgnr(org) !== undefined, 'must be valid orgnrs')),
  ]),
  vendorTokens: z.boolean().optional(),
  skipCache: z.boolean().optional(),
  systemUserRequests: z.boolean().optional(),
});

const policySchema = z.strictObject({ rules: z.array(ruleSchema).max(1000) });

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

/** The policy that allows nothing: AWS without a configured policy. */
export const DENY_ALL: CallerPolicy = { rules: [] };

/**
 * Checks an action against the policy; throws `access_denied` naming what was denied (not which
 * rule or why not), or returns the name of the rule that allowed it, for the audit log.
 */
export function authorizeAction(
  policy: CallerPolicy,
  callerId: string | undefined,
  action: PolicyAction,
): string | undefined {
  if (!callerId) throw new BrokerError('access_denied', 'the caller has no identity');
  const rules = policy.rules.filter((rule) =>
    rule.callers.some((pattern) => matchesArn(pattern, callerId)),
  );
  if (rules.length === 0)
    throw new BrokerError('access_denied', `caller ${callerId} is not allowed to use the broker`);
  const allowing = rules.find((rule) => allows(rule, action));
  if (allowing) return allowing.name ?? 'unnamed rule';
  throw new BrokerError('access_denied', `caller ${callerId} may not ${describeAction(action)}`);
}

/** Adapts the policy to the token route's authoriser. */
export function tokenAction(request: TokenRequest): PolicyAction {
  const action: PolicyAction = { scopes: request.scopes, skipCache: request.skipCache };
  if (request.org) action.org = request.org;
  if (request.consumerOrg) action.consumerOrg = request.consumerOrg;
  return action;
}

function allows(rule: PolicyRule, action: PolicyAction): boolean {
  if (action.systemUserRequests && !rule.systemUserRequests) return false;
  if (action.skipCache && !rule.skipCache) return false;
  if (
    action.scopes &&
    !action.scopes.every((scope) => rule.scopes.some((allowed) => matchesScope(allowed, scope)))
  ) {
    return false;
  }
  if (action.org === undefined && !action.systemUserRequests && !rule.vendorTokens) return false;
  return orgAllowed(rule, action.org) && orgAllowed(rule, action.consumerOrg);
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
  const what = action.systemUserRequests
    ? 'manage system-user requests'
    : `get scope ${(action.scopes ?? []).join(' ')}`;
  const forWhom = action.org
    ? ` for org ${action.org}`
    : action.systemUserRequests
      ? ''
      : ' as a plain vendor token';
  const delegated = action.consumerOrg ? ` on behalf of ${action.consumerOrg}` : '';
  const refresh = action.skipCache ? ' with skipCache' : '';
  return `${what}${forWhom}${delegated}${refresh}`;
}
