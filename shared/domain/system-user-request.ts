import * as z from 'zod/mini';
import { ACCESS_PACKAGE, ACCESS_PACKAGE_PREFIX, RESOURCE_ID } from './altinn-identifiers.js';
import { invalidRequest } from './errors.js';
import { parseOrgnr } from './orgnr.js';
import { describeIssue, externalRefField, orgnrField, requiredOr } from './schema-fields.js';
import { isHttpsUrl } from './secure-url.js';

/** Own (standard) or client (agent) system user. */
export type SystemUserType = 'standard' | 'agent';

export const MAX_RIGHTS = 50;
export const MAX_ACCESS_PACKAGES = 50;
export const MAX_INTEGRATION_TITLE_LENGTH = 255;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A validated `POST /v1/systemuser-requests` body. */
export interface SystemUserRequestInput {
  org: string;
  type: SystemUserType;
  /** Altinn resource ids (`urn:altinn:resource` values). */
  rights: string[];
  /** `urn:altinn:accesspackage:*` URNs. */
  accessPackages: string[];
  externalRef?: string;
  redirectUrl?: string;
  integrationTitle?: string;
}

const orgField = orgnrField(requiredOr('must be a string'));

const externalRef = externalRefField({ message: 'must be a string' });

const uniqueList = (item: z.ZodMiniString<string>, max: number, what: string) =>
  z.array(item, { message: `must be an array of ${what}` }).check(
    z.maxLength(max, `must hold at most ${max} ${what}`),
    z.refine((list: string[]) => new Set(list).size === list.length, `must not repeat an entry`),
  );

const requestSchema = z.strictObject({
  org: orgField,
  type: z.enum(['standard', 'agent'], requiredOr('must be "standard" or "agent"')),
  rights: z.optional(
    uniqueList(
      z
        .string({ message: 'must be strings' })
        .check(
          z.regex(RESOURCE_ID, 'must be Altinn resource ids such as "ske-krav-og-betalinger"'),
        ),
      MAX_RIGHTS,
      'resource ids',
    ),
  ),
  accessPackages: z.optional(
    uniqueList(
      z
        .string({ message: 'must be strings' })
        .check(
          z.regex(ACCESS_PACKAGE, `must be access package URNs (${ACCESS_PACKAGE_PREFIX}<name>)`),
        ),
      MAX_ACCESS_PACKAGES,
      'access package URNs',
    ),
  ),
  externalRef: z.optional(externalRef),
  redirectUrl: z.optional(
    z
      .string({ message: 'must be a string' })
      .check(z.refine((value: string) => isHttpsUrl(value), 'must be an absolute https URL')),
  ),
  integrationTitle: z.optional(
    z
      .string({ message: 'must be a string' })
      .check(
        z.minLength(1, 'must not be empty'),
        z.maxLength(
          MAX_INTEGRATION_TITLE_LENGTH,
          `must be at most ${MAX_INTEGRATION_TITLE_LENGTH} characters`,
        ),
      ),
  ),
});

/**
 * Validates a `POST /v1/systemuser-requests` body with Altinn's own rules, so the caller hears
 * about a mistake before Altinn is asked: agent requests take access packages only (at least one,
 * AUTH-00058), standard requests at least one right or package (AUTH-00059). Throws
 * `invalid_request` naming the field.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 */
export function parseSystemUserRequestInput(body: unknown): SystemUserRequestInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('the body must be a JSON object');
  }
  const parsed = z.safeParse(requestSchema, body);
  if (!parsed.success) throw invalidRequest(describeIssue(parsed.error.issues[0]));
  const {
    org,
    type,
    rights = [],
    accessPackages = [],
    externalRef,
    redirectUrl,
    integrationTitle,
  } = parsed.data;
  if (type === 'agent' && rights.length > 0) {
    throw invalidRequest(
      'rights: an agent request takes access packages only (use accessPackages)',
    );
  }
  if (type === 'agent' && accessPackages.length === 0) {
    throw invalidRequest('accessPackages: an agent request needs at least one access package');
  }
  if (type === 'standard' && rights.length === 0 && accessPackages.length === 0) {
    throw invalidRequest('rights: a standard request needs at least one right or access package');
  }
  const input: SystemUserRequestInput = { org, type, rights, accessPackages };
  if (externalRef !== undefined) input.externalRef = externalRef;
  if (redirectUrl !== undefined) input.redirectUrl = redirectUrl;
  if (integrationTitle !== undefined) input.integrationTitle = integrationTitle;
  return input;
}

/** What to look up: `GET /v1/systemuser-requests?org=&externalRef=&type=` and `GET /v1/systemusers`. */
export interface SystemUserQuery {
  org: string;
  /** Defaults to `org`, as Altinn does. */
  externalRef: string;
  /** Absent: try standard, then agent. */
  type?: SystemUserType;
}

/** Reads `org` (required), `externalRef` and `type` from a query string; throws `invalid_request`. */
export function parseSystemUserQuery(
  query: URLSearchParams,
  options: { allowType: boolean },
): SystemUserQuery {
  const rawOrg = single(query, 'org');
  if (rawOrg === undefined) throw invalidRequest('org: is required');
  const org = parseOrgnr(rawOrg);
  if (!org)
    throw invalidRequest(
      'org: must be a 9-digit Norwegian organisation number with a valid check digit',
    );
  const rawRef = single(query, 'externalRef');
  if (rawRef !== undefined) {
    const checked = externalRef.safeParse(rawRef);
    if (!checked.success)
      throw invalidRequest(describeIssue(checked.error.issues[0], { root: 'externalRef' }));
  }
  const result: SystemUserQuery = { org, externalRef: rawRef ?? org };
  const type = parseTypeParam(query);
  if (type !== undefined) {
    if (!options.allowType) throw invalidRequest('type: is not a parameter of this endpoint');
    result.type = type;
  }
  return result;
}

/** `?type=standard|agent`, or undefined when absent. */
export function parseTypeParam(query: URLSearchParams): SystemUserType | undefined {
  const type = single(query, 'type');
  if (type === undefined) return undefined;
  if (type !== 'standard' && type !== 'agent')
    throw invalidRequest('type: must be "standard" or "agent"');
  return type;
}

/** A request id must be a UUID (Altinn answers 400 for anything else). */
export function requireRequestId(id: string): string {
  if (!UUID.test(id)) throw invalidRequest('id: must be a UUID');
  return id.toLowerCase();
}

function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw invalidRequest(`${name}: must be given once`);
  return values[0];
}
