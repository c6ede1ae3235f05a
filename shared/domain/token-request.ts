import * as z from 'zod/mini';
import { invalidRequest } from './errors.js';
import { describeIssue, externalRefField, orgnrField, refuse } from './schema-fields.js';
import { isHttpsUrl } from './secure-url.js';

/** Digdir advises one scope per token; the broker allows a few, never unbounded. */
export const MAX_SCOPES = 20;
export const MAX_SCOPE_LENGTH = 256;
export const MAX_RESOURCES = 10;
export const MAX_RESOURCE_LENGTH = 2048;
export const MAX_MIN_TTL_SECONDS = 3600;

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

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

const scopeList = z.pipe(
  z.union([
    z.pipe(
      z.string(),
      z.transform((value: string) => value.split(' ').filter(Boolean)),
    ),
    z.array(z.string()),
  ]),
  z.transform((scopes: string[], ctx) => {
    const unique = [...new Set(scopes)].sort();
    if (unique.length === 0 || unique.length > MAX_SCOPES) {
      return refuse(ctx, `must hold 1 to ${MAX_SCOPES} scopes`);
    }
    for (const scope of unique) {
      if (scope.length > MAX_SCOPE_LENGTH || !SCOPE_TOKEN.test(scope)) {
        return refuse(
          ctx,
          `each scope must be 1 to ${MAX_SCOPE_LENGTH} printable characters without whitespace, quotes or backslashes`,
        );
      }
    }
    return unique;
  }),
);

const resourceUri = z.string().check(
  z.refine(isAudienceUri, {
    message: `must be absolute https URIs without a fragment or user information, at most ${MAX_RESOURCE_LENGTH} characters`,
  }),
);

const resourceList = z.pipe(
  z.union([
    z.pipe(
      resourceUri,
      z.transform((value: string) => [value]),
    ),
    z.array(resourceUri),
  ]),
  z.transform((values: string[], ctx) => {
    const unique = [...new Set(values)].sort();
    if (unique.length === 0 || unique.length > MAX_RESOURCES) {
      return refuse(ctx, `must hold 1 to ${MAX_RESOURCES} URIs`);
    }
    return unique;
  }),
);

const tokenRequestSchema = z.strictObject({
  scope: scopeList,
  org: z.optional(orgnrSchema),
  externalRef: z.optional(externalRefField()),
  resource: z.optional(resourceList),
  consumerOrg: z.optional(orgnrSchema),
  exchange: z.optional(z.literal('altinn', { message: 'must be "altinn"' })),
  minTtl: z.optional(
    z
      .number({ message: 'must be a number of seconds' })
      .check(
        z.refine(Number.isInteger, 'must be a whole number of seconds'),
        z.minimum(0, 'must not be negative'),
        z.maximum(MAX_MIN_TTL_SECONDS, `must be at most ${MAX_MIN_TTL_SECONDS} seconds`),
      ),
  ),
  skipCache: z.optional(z.boolean({ message: 'must be true or false' })),
});

/**
 * Validates a parsed JSON body. Throws `BrokerError` (`invalid_request`) whose message names the
 * field and the rule.
 */
export function parseTokenRequest(body: unknown): TokenRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('the body must be a JSON object');
  }
  const parsed = z.safeParse(tokenRequestSchema, body);
  if (!parsed.success) {
    throw invalidRequest(describeIssue(parsed.error.issues[0], { union: unionMessage }));
  }
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

/**
 * RFC 8707: an absolute URI without a fragment; here always https, written in lower case, and
 * without userinfo (`https://user:pass@host/`): RFC 9110 §4.2.4 deprecates it in https URIs, and a
 * credential in an audience would travel in the grant and into the token.
 */
function isAudienceUri(value: string): boolean {
  return (
    value.startsWith('https://') &&
    isHttpsUrl(value, { maxLength: MAX_RESOURCE_LENGTH, fragment: false }) &&
    !hasUserInfo(value)
  );
}

function hasUserInfo(value: string): boolean {
  const url = new URL(value);
  // `https://@host/` parses to an empty user: the authority still holds an `@`.
  return url.username !== '' || url.password !== '' || /^https:\/\/[^/?#]*@/.test(value);
}

function unionMessage(field: string): string {
  switch (field) {
    case 'scope':
      return 'must be a space-separated string or an array of strings';
    case 'resource':
      return `must be an absolute https URI or an array of them, without a fragment or user information, at most ${MAX_RESOURCE_LENGTH} characters`;
    default:
      return 'has the wrong type';
  }
}
