import * as z from 'zod';
import type {
  AltinnSystemUser,
  AltinnSystemUserRequest,
  CreateSystemUserRequestBody,
  SystemUserType,
} from '../ports/altinn.js';
import { invalidRequest } from './errors.js';
import { parseOrgnr } from './orgnr.js';
import { orgnrField } from './orgnr-field.js';
import { describeIssue, MAX_EXTERNAL_REF_LENGTH } from './token-request.js';
import { requiredOr } from './zod-messages.js';

export const MAX_RIGHTS = 50;
export const MAX_ACCESS_PACKAGES = 50;
export const MAX_INTEGRATION_TITLE_LENGTH = 255;
const RESOURCE_URN = 'urn:altinn:resource';
const ACCESS_PACKAGE_PREFIX = 'urn:altinn:accesspackage:';
/** Altinn resource ids: lower-case letters, digits, `-` and `_` (e.g. `ske-krav-og-betalinger`, `app_ttd_x`). */
const RESOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
const ACCESS_PACKAGE = /^urn:altinn:accesspackage:[a-z0-9][a-z0-9-]{0,99}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001F\u007F-\u009F]/u;
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

const externalRefField = z
  .string({ message: 'must be a string' })
  .min(1, 'must not be empty')
  .max(MAX_EXTERNAL_REF_LENGTH, `must be at most ${MAX_EXTERNAL_REF_LENGTH} characters`)
  .refine(
    (value) => !WHITESPACE_OR_CONTROL.test(value),
    'must not contain whitespace or control characters',
  );

const uniqueList = (item: z.ZodString, max: number, what: string) =>
  z
    .array(item, { message: `must be an array of ${what}` })
    .max(max, `must hold at most ${max} ${what}`)
    .refine((list) => new Set(list).size === list.length, `must not repeat an entry`);

const requestSchema = z.strictObject({
  org: orgField,
  type: z.enum(['standard', 'agent'], requiredOr('must be "standard" or "agent"')),
  rights: uniqueList(
    z
      .string({ message: 'must be strings' })
      .regex(RESOURCE_ID, 'must be Altinn resource ids such as "ske-krav-og-betalinger"'),
    MAX_RIGHTS,
    'resource ids',
  ).optional(),
  accessPackages: uniqueList(
    z
      .string({ message: 'must be strings' })
      .regex(ACCESS_PACKAGE, `must be access package URNs (${ACCESS_PACKAGE_PREFIX}<name>)`),
    MAX_ACCESS_PACKAGES,
    'access package URNs',
  ).optional(),
  externalRef: externalRefField.optional(),
  redirectUrl: z
    .string({ message: 'must be a string' })
    .refine(isHttpsUrl, 'must be an absolute https URL')
    .optional(),
  integrationTitle: z
    .string({ message: 'must be a string' })
    .min(1, 'must not be empty')
    .max(MAX_INTEGRATION_TITLE_LENGTH, `must be at most ${MAX_INTEGRATION_TITLE_LENGTH} characters`)
    .optional(),
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
  const parsed = requestSchema.safeParse(body);
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

/** Altinn's `CreateRequestSystemUser` (or agent) body for the broker's system. */
export function toAltinnRequestBody(
  input: SystemUserRequestInput,
  systemId: string,
): CreateSystemUserRequestBody {
  const body: CreateSystemUserRequestBody = { systemId, partyOrgNo: input.org };
  if (input.externalRef !== undefined) body.externalRef = input.externalRef;
  if (input.type === 'standard' && input.rights.length > 0) {
    body.rights = input.rights.map((value) => ({ resource: [{ id: RESOURCE_URN, value }] }));
  }
  if (input.accessPackages.length > 0)
    body.accessPackages = input.accessPackages.map((urn) => ({ urn }));
  if (input.redirectUrl !== undefined) body.redirectUrl = input.redirectUrl;
  if (input.integrationTitle !== undefined) body.integrationTitle = input.integrationTitle;
  return body;
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
  if (rawRef !== undefined && !externalRefField.safeParse(rawRef).success) {
    throw invalidRequest(
      `externalRef: must be 1 to ${MAX_EXTERNAL_REF_LENGTH} characters without whitespace or control characters`,
    );
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

/** A system-user request as the broker answers it. */
export interface SystemUserRequestView {
  id: string;
  type: SystemUserType;
  /** `New`, `Accepted`, `Rejected`, `Denied` or `Timedout`; timed out requests always read `Timedout`. */
  status: string;
  timedOut: boolean;
  confirmUrl?: string;
  externalRef: string;
  systemId: string;
  partyOrgNo: string;
  redirectUrl?: string;
  rights: string[];
  accessPackages: string[];
  integrationTitle?: string;
  created?: string;
}

/**
 * Altinn's request as the broker answers it. Timeouts are normalised: before Nov 2025 Altinn set
 * `status: Timedout`; since then it sets `timedOut: true` and leaves `status` alone. Either way the
 * view says `status: "Timedout", timedOut: true`, because a timed-out request can no longer be
 * approved whatever status it had. `externalRef` defaults to the org, as in Altinn.
 */
export function toRequestView(
  request: AltinnSystemUserRequest,
  type: SystemUserType,
): SystemUserRequestView {
  const timedOut = request.timedOut === true || request.status.toLowerCase() === 'timedout';
  const view: SystemUserRequestView = {
    id: request.id,
    type,
    status: timedOut ? 'Timedout' : request.status,
    timedOut,
    externalRef: request.externalRef ?? request.partyOrgNo,
    systemId: request.systemId,
    partyOrgNo: request.partyOrgNo,
    rights: request.rights.flatMap((right) =>
      right.resource
        .filter((attribute) => attribute.id === RESOURCE_URN)
        .map((attribute) => attribute.value),
    ),
    accessPackages: request.accessPackages.map((entry) => entry.urn),
  };
  if (request.confirmUrl) view.confirmUrl = request.confirmUrl;
  if (request.redirectUrl) view.redirectUrl = request.redirectUrl;
  if (request.integrationTitle) view.integrationTitle = request.integrationTitle;
  if (request.created) view.created = request.created;
  return view;
}

/** An approved system user as the broker answers it. */
export interface SystemUserView {
  id: string;
  type: SystemUserType;
  systemId: string;
  partyOrgNo: string;
  externalRef: string;
  integrationTitle?: string;
  created?: string;
}

/** `SystemUserExternalDTO` as the broker answers it; older DTOs without `userType` read as standard. */
export function toSystemUserView(user: AltinnSystemUser): SystemUserView {
  const view: SystemUserView = {
    id: user.id,
    type: user.userType?.toLowerCase() === 'agent' ? 'agent' : 'standard',
    systemId: user.systemId,
    partyOrgNo: user.reporteeOrgNo,
    externalRef: user.externalRef ?? user.reporteeOrgNo,
  };
  if (user.integrationTitle) view.integrationTitle = user.integrationTitle;
  if (user.created) view.created = user.created;
  return view;
}

function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw invalidRequest(`${name}: must be given once`);
  return values[0];
}

function isHttpsUrl(value: string): boolean {
  if (value.length > 2048 || WHITESPACE_OR_CONTROL.test(value) || !URL.canParse(value))
    return false;
  const url = new URL(value);
  return url.protocol === 'https:' && url.hostname.length > 0;
}
