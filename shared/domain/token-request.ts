import * as z from 'zod';
import { invalidRequest } from './errors.js';
import { orgnrField } from './orgnr-field.js';

/** Digdir advises one scope per token; the broker allows a few, never unbounded. */
export const MAX_SCOPES = 20;
export const MAX_SCOPE_LENGTH = 256;
export const MAX_EXTERNAL_REF_LENGTH = 255;
export const MAX_RESOURCES = 10;
export const MAX_RESOURCE_LENGTH = 2048;
export const MAX_MIN_TTL_SECONDS = 3600;

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001F\u007F-\u009F]/u;

/**
 * A validated, normalised token request: scopes sorted and unique, org numbers bare digits.
 * Everything that changes which token Maskinporten issues is here; `minTtl` and `skipCache` only
 * steer the cache.
 */
export interface TokenRequest {
  scopes: readonly string[];
  /** The customer org that owns the system user (`authorization_details[].systemuser_org`). */
  org?: string;
  externalRef?: string;
  /** RFC 8707 audience restriction, sorted and unique. */
  resource?: readonly string[];
  /** Legal consumer for Altinn scope delegation (`consumer_org`). */
  consumerOrg?: string;
  /** Exchange the Maskinporten token for an Altinn token before returning it. */
  exchange?: 'altinn';
  /** Seconds the returned token must still be valid. */
  minTtl: number;
  skipCache: boolean;
}

const orgnrSchema = orgnrField();

const scopeList = z
  .union([z.string().transform((value) => value.split(' ').filter(Boolean)), z.array(z.string())])
  .transform((scopes, ctx) => {
    const unique = [...new Set(scopes)].sort();
    if (unique.length === 0 || unique.length > MAX_SCOPES) {
      ctx.addIssue({ code: 'custom', message: `must hold 1 to ${MAX_SCOPES} scopes` });
      return z.NEVER;
    }
    for (const scope of unique) {
      if (scope.length > MAX_SCOPE_LENGTH || !SCOPE_TOKEN.test(scope)) {
        ctx.addIssue({
          code: 'custom',
          message: `each scope must be 1 to ${MAX_SCOPE_LENGTH} printable characters without whitespace, quotes or backslashes`,
        });
        return z.NEVER;
      }
    }
    return unique;
  });

const resourceUri = z.string().refine(isAudienceUri, {
  message: `must be absolute https URIs without a fragment, at most ${MAX_RESOURCE_LENGTH} characters`,
});

const resourceList = z
  .union([resourceUri.transform((value) => [value]), z.array(resourceUri)])
  .transform((values, ctx) => {
    const unique = [...new Set(values)].sort();
    if (unique.length === 0 || unique.length > MAX_RESOURCES) {
      ctx.addIssue({ code: 'custom', message: `must hold 1 to ${MAX_RESOURCES} URIs` });
      return z.NEVER;
    }
    return unique;
  });

const tokenRequestSchema = z.strictObject({
  scope: scopeList,
  org: orgnrSchema.optional(),
  externalRef: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_EXTERNAL_REF_LENGTH, `must be at most ${MAX_EXTERNAL_REF_LENGTH} characters`)
    .refine(
      (value) => !WHITESPACE_OR_CONTROL.test(value),
      'must not contain whitespace or control characters',
    )
    .optional(),
  resource: resourceList.optional(),
  consumerOrg: orgnrSchema.optional(),
  exchange: z.literal('altinn', { message: 'must be "altinn"' }).optional(),
  minTtl: z
    .number({ message: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must not be negative')
    .max(MAX_MIN_TTL_SECONDS, `must be at most ${MAX_MIN_TTL_SECONDS} seconds`)
    .optional(),
  skipCache: z.boolean({ message: 'must be true or false' }).optional(),
});

/**
 * Validates a parsed JSON body. Throws `BrokerError` (`invalid_request`) whose message names the
 * field and the rule.
 */
export function parseTokenRequest(body: unknown): TokenRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('the body must be a JSON object');
  }
  const parsed = tokenRequestSchema.safeParse(body);
  if (!parsed.success) throw invalidRequest(describeIssue(parsed.error.issues[0]));
  const { scope, org, externalRef, resource, consumerOrg, exchange, minTtl, skipCache } =
    parsed.data;
  if (externalRef !== undefined && org === undefined) {
    throw invalidRequest('externalRef: is only allowed together with org');
  }
  // Digdir documents no grant with both: Maskinporten would reject it as the broker's own fault.
  if (consumerOrg !== undefined && org !== undefined) {
    throw invalidRequest(
      'consumerOrg: cannot be combined with org (system-user tokens take no consumer_org)',
    );
  }
  const request: TokenRequest = {
    scopes: scope,
    minTtl: minTtl ?? 0,
    skipCache: skipCache ?? false,
  };
  if (org !== undefined) request.org = org;
  if (externalRef !== undefined) request.externalRef = externalRef;
  if (resource !== undefined) request.resource = resource;
  if (consumerOrg !== undefined) request.consumerOrg = consumerOrg;
  if (exchange !== undefined) request.exchange = exchange;
  return request;
}

/** Turns the first zod issue into `field: rule`, never echoing the offending value. */
export function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'the body is invalid';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.slice(0, 3).map((key) => JSON.stringify(key.slice(0, 64)));
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  // zod 4 drops `issue.input` unless asked to report it, so a missing value shows in the message.
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `${field}: is required`;
  }
  if (issue.code === 'invalid_union') return `${field}: ${unionMessage(field)}`;
  return `${field}: ${issue.message}`;
}

function unionMessage(field: string): string {
  switch (field) {
    case 'scope':
      return 'must be a space-separated string or an array of strings';
    case 'resource':
      return `must be an absolute https URI or an array of them, without a fragment, at most ${MAX_RESOURCE_LENGTH} characters`;
    default:
      return 'has the wrong type';
  }
}

function isAudienceUri(value: string): boolean {
  if (value.length > MAX_RESOURCE_LENGTH || WHITESPACE_OR_CONTROL.test(value)) return false;
  if (!value.startsWith('https://') || value.includes('#')) return false;
  return URL.canParse(value) && new URL(value).hostname.length > 0;
}
