import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parseOrgnr } from './orgnr.js';

/**
 * What every request schema shares: the orgnr and externalRef fields, the whitespace rule, and how
 * a zod issue becomes the caller's message. One place, so a rule and its wording never drift.
 *
 * The Lambda's schemas use `zod/mini`, zod's tree-shakable build (the classic build carries its
 * JSON Schema generator and every method into the bundle: about 65 KB more of every cold start);
 * `test/architecture/lambda-bundle.test.ts` keeps classic zod out of the handler's imports.
 */

// zod/mini loads no messages of its own; classic zod loads English, which our messages build on
// ("expected string, received number").
z.config(en());

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
export const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001F\u007F-\u009F]/u;

/** Altinn's limit for `externalRef` (system users and their requests). */
export const MAX_EXTERNAL_REF_LENGTH = 255;

/**
 * Characters that stop a value from being one URL path segment of Altinn's lookups
 * (`.../byexternalref/{systemId}/{orgNo}/{externalRef}`): `/` and `\` split it (ASP.NET keeps
 * `%2F` encoded, so it would not match either), `?` and `#` end the path, `%` starts an escape.
 */
export const NOT_IN_PATH_SEGMENT = /[/\\?#%]/;

/** The rule for `externalRef`, in the caller's words. */
export const PATH_SEGMENT_RULE = 'must not be "." or ".." or contain /, \\, ?, # or %';

/**
 * Whether Altinn could look the value up as one path segment. `.` and `..` are dot segments,
 * resolved before routing (a lookup for `..` asks for the parent path and gets a 404 without a
 * body); the characters of {@link NOT_IN_PATH_SEGMENT} break the segment.
 *
 * @see shared/reference/altinn-vendor-api.md §1 "Route values", §8.6
 */
export function isPathSegmentSafe(value: string): boolean {
  return value !== '.' && value !== '..' && !NOT_IN_PATH_SEGMENT.test(value);
}

/**
 * An organisation number: `0192:` prefix accepted, MOD11-checked, parsed to the bare 9 digits.
 */
export function orgnrField(params?: Parameters<typeof z.string>[0]) {
  return z.pipe(
    z.string(params),
    z.transform((value: string, ctx) => {
      const orgnr = parseOrgnr(value);
      if (!orgnr) {
        return refuse(
          ctx,
          'must be a 9-digit Norwegian organisation number with a valid check digit',
        );
      }
      return orgnr;
    }),
  );
}

/**
 * A system user's `externalRef`: 1 to 255 characters, no whitespace or control characters, and
 * usable as one path segment of Altinn's lookups. The same rule for token requests and onboarding:
 * a system user whose externalRef Altinn cannot look up can be neither onboarded nor found.
 */
export function externalRefField(params?: Parameters<typeof z.string>[0]) {
  return z.string(params).check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(MAX_EXTERNAL_REF_LENGTH, `must be at most ${MAX_EXTERNAL_REF_LENGTH} characters`),
    z.refine(
      (value: string) => !WHITESPACE_OR_CONTROL.test(value),
      'must not contain whitespace or control characters',
    ),
    z.refine(isPathSegmentSafe, PATH_SEGMENT_RULE),
  );
}

/**
 * In a `z.transform`: records the caller-facing `message` as the issue and returns `z.NEVER` (the
 * parse fails with it). zod/mini's transform context has no `addIssue`; this is what it does.
 */
export function refuse(ctx: z.core.ParsePayload, message: string): never {
  ctx.issues.push({ code: 'custom', message, input: ctx.value, path: [] });
  return z.NEVER;
}

/**
 * A zod 4 error map: `is required` when the field is missing, else `otherwise`. zod's own message
 * for a missing field ("expected string, received undefined") reads badly to callers.
 */
export const requiredOr = (otherwise: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : otherwise),
});

export interface IssueWording {
  /** What the document is called when the issue is about all of it (default `body`). */
  root?: string;
  /** The message for a field whose union did not match (default `has the wrong type`). */
  union?: (field: string) => string;
  /** Say where an unknown field was found (`name: unknown field "se"`); default only the name. */
  locateUnknown?: boolean;
}

/** Turns a zod issue into `field: rule`, never echoing the offending value. */
export function describeIssue(
  issue: z.core.$ZodIssue | undefined,
  wording: IssueWording = {},
): string {
  const root = wording.root ?? 'body';
  if (!issue) return `the ${root} is invalid`;
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : root;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.slice(0, 3).map((key) => JSON.stringify(key.slice(0, 64)));
    const where = wording.locateUnknown ? `${field}: ` : '';
    return `${where}unknown field${issue.keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
  }
  // zod 4 drops `issue.input` unless asked to report it, so a missing value shows in the message.
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `${field}: is required`;
  }
  if (issue.code === 'invalid_union') {
    return `${field}: ${wording.union?.(field) ?? 'has the wrong type'}`;
  }
  return `${field}: ${issue.message}`;
}
