import * as z from 'zod/mini';
import {
  type CallerPolicy,
  type PolicyRule,
  ruleLabel,
  VENDOR_ADMIN_SCOPES,
} from './caller-policy.js';
import { parseOrgnr } from './orgnr.js';
import { describeIssue, externalRefField } from './schema-fields.js';
import { parseStrictJson } from './strict-json.js';

/**
 * Cache misses per minute a caller may cause under one rule when neither the rule nor the policy
 * says: a burst of this many, then one every `60 / n` seconds (per broker instance).
 */
export const DEFAULT_MAX_MISSES_PER_MINUTE = 120;

const MAX_PATTERN_LENGTH = 256;
const MAX_MISSES = 100_000;
/** RFC 6749 §3.3 scope-token characters: printable ASCII except space, `"` and `\`. */
const SCOPE_CHARS = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** An IAM role's unique id, as `aws iam get-role --query Role.RoleId` prints it. */
const ROLE_ID = /^AROA[0-9A-Z]{16,60}$/;

/**
 * Why a caller pattern can never match a caller, or undefined. Callers are matched as IAM roles
 * (API Gateway's STS session ARN mapped to `arn:aws:iam::<account>:role/<name>`, without the
 * role's path) or IAM users.
 */
function callerPatternProblem(arn: string): string | undefined {
  if (/\s/.test(arn)) return 'must not contain spaces';
  if (arn.includes('**')) return 'must not contain ** (one * already matches any run)';
  if (/^arn:[^:]*:sts:/.test(arn) || arn.includes(':assumed-role/')) {
    return 'must name the role (arn:aws:iam::<account>:role/<name>), not an STS session: callers are matched as roles';
  }
  const match = /^arn:aws[\w-]*:iam::([^:]*):(role|user)\/([\w+=,.@/*-]+)$/.exec(arn);
  if (!match) return 'must be IAM ARNs (arn:aws:iam::<account>:role/<name>), * allowed in the name';
  if (!/^\d{12}$/.test(match[1] ?? '')) return 'must name a 12-digit account (no * in the account)';
  if (match[2] === 'role' && match[3]?.includes('/')) {
    return "must name the role without its path: a caller's session ARN carries no path, so it never matches";
  }
  return undefined;
}

/** Why a scope pattern can never match a requested scope, or undefined. */
function scopePatternProblem(pattern: string): string | undefined {
  if (/\s/.test(pattern)) return 'must not contain spaces';
  if (pattern.includes('**')) return 'must not contain ** (a trailing * already matches any rest)';
  if (pattern.slice(0, -1).includes('*')) return 'may hold * only at the end (a prefix)';
  if (pattern !== '*' && !SCOPE_CHARS.test(pattern.replace(/\*$/, ''))) {
    return 'must be a scope (printable characters without quotes or backslashes)';
  }
  return undefined;
}

const checked = (problem: (value: string) => string | undefined) =>
  z.string().check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(MAX_PATTERN_LENGTH),
    z.superRefine((value: string, ctx) => {
      const message = problem(value);
      if (message) ctx.addIssue({ code: 'custom', message });
    }),
  );

const scopePattern = checked(scopePatternProblem);
const missesPerMinute = z
  .number({ message: 'must be a whole number' })
  .check(
    z.refine(Number.isInteger, 'must be a whole number'),
    z.minimum(1, 'must be at least 1'),
    z.maximum(MAX_MISSES, `must be at most ${MAX_MISSES}`),
  );

const ruleSchema = z.strictObject({
  name: z.optional(z.string().check(z.maxLength(100))),
  callers: z
    .array(checked(callerPatternProblem))
    .check(z.minLength(1, 'must name at least one caller')),
  roleIds: z.optional(
    z
      .array(
        z.string().check(z.regex(ROLE_ID, 'must be IAM role unique ids (AROA…, aws iam get-role)')),
      )
      .check(z.minLength(1, 'must name at least one role id (leave it out to match by name only)')),
  ),
  scopes: z.array(scopePattern).check(z.minLength(1, 'must name at least one scope')),
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
  exchange: z.optional(z.array(z.literal('altinn', { message: 'must be "altinn"' }))),
  externalRefs: z.optional(z.union([z.literal('*'), z.array(externalRefField())])),
  maxMissesPerMinute: z.optional(missesPerMinute),
});

const policySchema = z.strictObject({
  rules: z.array(ruleSchema).check(z.maxLength(1000)),
  /** The default for rules without their own `maxMissesPerMinute`. */
  maxMissesPerMinute: z.optional(missesPerMinute),
  /** More scopes only an exact name grants, besides {@link VENDOR_ADMIN_SCOPES}. */
  administrativeScopes: z.optional(z.array(scopePattern).check(z.maxLength(100))),
});

/**
 * Validates a policy document. A bad policy throws (and fails the start); it never opens up.
 * Every rule field a document leaves out is filled with its deny-by-default value.
 */
export function parsePolicy(value: unknown, source: string): CallerPolicy {
  const parsed = policySchema.safeParse(value);
  if (!parsed.success) {
    throw new TypeError(
      `caller policy from ${source} is invalid: ${describeIssue(parsed.error.issues[0])}`,
    );
  }
  const document = parsed.data;
  const defaultMisses = document.maxMissesPerMinute ?? DEFAULT_MAX_MISSES_PER_MINUTE;
  return {
    rules: document.rules.map((rule): PolicyRule => {
      const parsedRule: PolicyRule = {
        callers: rule.callers,
        scopes: rule.scopes,
        orgs: rule.orgs === '*' ? '*' : rule.orgs.map((org) => parseOrgnr(org) as string),
        vendorTokens: rule.vendorTokens ?? false,
        skipCache: rule.skipCache ?? false,
        systemUserRequests: rule.systemUserRequests ?? false,
        exchange: [...new Set(rule.exchange ?? [])],
        externalRefs: rule.externalRefs ?? [],
        maxMissesPerMinute: rule.maxMissesPerMinute ?? defaultMisses,
      };
      if (rule.name) parsedRule.name = rule.name;
      if (rule.roleIds) parsedRule.roleIds = rule.roleIds;
      return parsedRule;
    }),
    administrativeScopes: [...VENDOR_ADMIN_SCOPES, ...(document.administrativeScopes ?? [])],
  };
}

/**
 * A policy document as text (a file, an SSM parameter): JSON that names no key twice, then
 * {@link parsePolicy}. `source` names where it came from in the error.
 */
export function readPolicyDocument(text: string, source: string): CallerPolicy {
  let document: unknown;
  try {
    document = parseStrictJson(text);
  } catch (error) {
    const reason = (error as Error).message;
    if (reason.startsWith('duplicate key')) {
      throw new TypeError(`caller policy from ${source} is invalid: ${reason}`);
    }
    throw new TypeError(`caller policy from ${source} is not valid JSON`);
  }
  return parsePolicy(document, source);
}

/**
 * The policy as the start and each change log it: rule names, caller patterns, how many orgs,
 * role ids and extra administrative scopes, and the flags a rule sets. Never the scopes or orgs.
 */
export function summarisePolicy(policy: CallerPolicy): Record<string, unknown> {
  if (policy.open) return { open: true };
  const builtIn = new Set(VENDOR_ADMIN_SCOPES);
  return {
    rules: policy.rules.map((rule) => ({
      name: ruleLabel(policy, rule),
      callers: rule.callers,
      roleIds: rule.roleIds?.length,
      orgs: rule.orgs === '*' ? '*' : rule.orgs.length,
      flags: flagsOf(rule),
      maxMissesPerMinute: rule.maxMissesPerMinute,
    })),
    extraAdministrativeScopes: (policy.administrativeScopes ?? []).filter((s) => !builtIn.has(s))
      .length,
  };
}

function flagsOf(rule: PolicyRule): string[] {
  const flags: string[] = [];
  if (rule.vendorTokens) flags.push('vendorTokens');
  if (rule.skipCache) flags.push('skipCache');
  if (rule.systemUserRequests) flags.push('systemUserRequests');
  for (const exchange of rule.exchange) flags.push(`exchange:${exchange}`);
  if (rule.externalRefs === '*') flags.push('externalRefs:*');
  else if (rule.externalRefs.length > 0) flags.push(`externalRefs:${rule.externalRefs.length}`);
  return flags;
}
