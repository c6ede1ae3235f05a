import type {
  AltinnAccessPackage,
  AltinnChangeRequest,
  AltinnRight,
  AltinnSystemUser,
  AltinnSystemUserRequest,
} from '../../ports/altinn.js';

/**
 * Tolerant readers for Altinn's JSON. Altinn emits camelCase but binds input case-insensitively,
 * and its docs and tests use `accesspackages`, `Resource`, `ID`...; Verify snapshots start with a
 * BOM. So keys are matched case-insensitively, a BOM is stripped, and optional fields may be absent.
 *
 * @see https://learn.microsoft.com/aspnet/core/web-api/advanced/formatting (case-insensitive binding)
 */

export type JsonObject = Record<string, unknown>;

/** `JSON.parse` after stripping a UTF-8 BOM; undefined when the text is not JSON. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value under `name`, matching the key exactly first, then ignoring case. */
export function field(object: JsonObject, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) return object[key];
  return undefined;
}

export function stringField(
  object: JsonObject,
  name: string,
  maxLength = 2_000,
): string | undefined {
  const value = field(object, name);
  return typeof value === 'string' ? value.slice(0, maxLength) : undefined;
}

function booleanField(object: JsonObject, name: string): boolean | undefined {
  const value = field(object, name);
  return typeof value === 'boolean' ? value : undefined;
}

function arrayField(object: JsonObject, name: string): unknown[] {
  const value = field(object, name);
  return Array.isArray(value) ? value : [];
}

export function readRights(value: unknown): AltinnRight[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((right) => ({
    resource: arrayField(right, 'resource')
      .filter(isObject)
      .map((attribute) => ({
        id: stringField(attribute, 'id') ?? '',
        value: stringField(attribute, 'value') ?? '',
      })),
  }));
}

export function readAccessPackages(value: unknown): AltinnAccessPackage[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isObject)
    .map((entry) => stringField(entry, 'urn'))
    .filter((urn): urn is string => urn !== undefined)
    .map((urn) => ({ urn }));
}

/** A system-user request, or undefined when the required `id`/`systemId`/`partyOrgNo`/`status` are missing. */
export function readSystemUserRequest(value: unknown): AltinnSystemUserRequest | undefined {
  if (!isObject(value)) return undefined;
  const id = stringField(value, 'id');
  const systemId = stringField(value, 'systemId');
  const partyOrgNo = stringField(value, 'partyOrgNo');
  const status = stringField(value, 'status');
  if (!id || !systemId || !partyOrgNo || !status) return undefined;
  const request: AltinnSystemUserRequest = {
    id,
    systemId,
    partyOrgNo,
    status,
    rights: readRights(field(value, 'rights')),
    accessPackages: readAccessPackages(field(value, 'accessPackages')),
  };
  assignDefined(request, 'externalRef', stringField(value, 'externalRef'));
  assignDefined(request, 'timedOut', booleanField(value, 'timedOut'));
  assignDefined(request, 'confirmUrl', nonEmpty(stringField(value, 'confirmUrl')));
  assignDefined(request, 'redirectUrl', nonEmpty(stringField(value, 'redirectUrl')));
  assignDefined(request, 'integrationTitle', nonEmpty(stringField(value, 'integrationTitle')));
  assignDefined(request, 'escalated', booleanField(value, 'escalated'));
  assignDefined(request, 'created', stringField(value, 'created'));
  return request;
}

/**
 * A `ChangeRequestResponse`, or undefined when `id`, `systemId`, `systemUserId`, `partyOrgNo` or
 * `status` is missing.
 */
export function readChangeRequest(value: unknown): AltinnChangeRequest | undefined {
  if (!isObject(value)) return undefined;
  const id = stringField(value, 'id');
  const systemId = stringField(value, 'systemId');
  const systemUserId = stringField(value, 'systemUserId');
  const partyOrgNo = stringField(value, 'partyOrgNo');
  const status = stringField(value, 'status');
  if (!id || !systemId || !systemUserId || !partyOrgNo || !status) return undefined;
  const changeRequest: AltinnChangeRequest = {
    id,
    systemId,
    systemUserId,
    partyOrgNo,
    status,
    requiredRights: readRights(field(value, 'requiredRights')),
    unwantedRights: readRights(field(value, 'unwantedRights')),
    requiredAccessPackages: readAccessPackages(field(value, 'requiredAccessPackages')),
    unwantedAccessPackages: readAccessPackages(field(value, 'unwantedAccessPackages')),
  };
  assignDefined(changeRequest, 'externalRef', stringField(value, 'externalRef'));
  assignDefined(changeRequest, 'redirectUrl', nonEmpty(stringField(value, 'redirectUrl')));
  assignDefined(changeRequest, 'confirmUrl', nonEmpty(stringField(value, 'confirmUrl')));
  assignDefined(changeRequest, 'created', stringField(value, 'created'));
  assignDefined(changeRequest, 'timedOut', booleanField(value, 'timedOut'));
  return changeRequest;
}

/** A `SystemUserExternalDTO` (current or older shape), or undefined without `id`/`systemId`/`reporteeOrgNo`. */
export function readSystemUser(value: unknown): AltinnSystemUser | undefined {
  if (!isObject(value)) return undefined;
  const id = stringField(value, 'id');
  const systemId = stringField(value, 'systemId');
  const reporteeOrgNo = stringField(value, 'reporteeOrgNo');
  if (!id || !systemId || !reporteeOrgNo) return undefined;
  const user: AltinnSystemUser = { id, systemId, reporteeOrgNo };
  assignDefined(user, 'externalRef', stringField(value, 'externalRef'));
  assignDefined(user, 'userType', stringField(value, 'userType'));
  assignDefined(user, 'integrationTitle', nonEmpty(stringField(value, 'integrationTitle')));
  assignDefined(user, 'productName', nonEmpty(stringField(value, 'productName')));
  assignDefined(user, 'supplierOrgno', nonEmpty(stringField(value, 'supplierOrgno')));
  assignDefined(user, 'created', stringField(value, 'created'));
  assignDefined(user, 'isDeleted', booleanField(value, 'isDeleted'));
  return user;
}

/**
 * One page of Altinn's `Paginated<T>`: `{links: {next?: string|null}, data: [...]}`. The last page
 * may have `links: {}` with no `next` key at all.
 */
export function readPage(value: unknown): { data: unknown[]; next?: string } | undefined {
  if (!isObject(value)) return undefined;
  const data = field(value, 'data');
  if (!Array.isArray(data)) return undefined;
  const links = field(value, 'links');
  const next = isObject(links) ? stringField(links, 'next', 8_000) : undefined;
  return next ? { data, next } : { data };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function assignDefined<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}
