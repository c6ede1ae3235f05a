import { isObject, trimmedString } from '../altinn-http.js';
import type { AccessPackage, Right } from '../altinn-model.js';
import { type AltinnValidationError, VLD, validationProblem } from '../altinn-problem.js';
import { parsePackage, parseRight } from '../system-register/system-input.js';

/**
 * A `ChangeRequestSystemUser` body (`Models/SystemUsers/ChangeRequestSystemUser.cs`), read
 * case-insensitively: four lists that default to `[]` when absent, and `redirectUrl?` (trimmed).
 * A list sent as `null` stays null, as in Altinn, where it then makes the controller throw.
 */
export interface ChangeRequestDraft {
  requiredRights: Right[] | null;
  unwantedRights: Right[] | null;
  requiredAccessPackages: AccessPackage[] | null;
  unwantedAccessPackages: AccessPackage[] | null;
  redirectUrl?: string;
}

export function parseChangeRequestBody(body: unknown): ChangeRequestDraft {
  if (!isObject(body)) throw validationProblem([VLD.jsonError(['/'])]);
  const errors: AltinnValidationError[] = [];
  const list = <T>(key: string, path: string, item: (v: unknown) => T | undefined): T[] | null => {
    const value = body[key.toLowerCase()];
    if (value === undefined) return [];
    if (value === null) return null;
    const items = Array.isArray(value) ? value.map(item) : [undefined];
    if (items.some((i) => i === undefined)) errors.push(VLD.invalidValue([path]));
    return items.filter((i): i is T => i !== undefined);
  };
  const draft: ChangeRequestDraft = {
    requiredRights: list('requiredRights', '/requiredRights', parseRight),
    unwantedRights: list('unwantedRights', '/unwantedRights', parseRight),
    requiredAccessPackages: list('requiredAccessPackages', '/requiredAccessPackages', parsePackage),
    unwantedAccessPackages: list('unwantedAccessPackages', '/unwantedAccessPackages', parsePackage),
  };
  const redirect = body['redirecturl'];
  if (redirect !== undefined && redirect !== null) {
    const trimmed = trimmedString(redirect);
    if (trimmed === undefined) errors.push(VLD.invalidValue(['/redirectUrl']));
    else draft.redirectUrl = trimmed;
  }
  if (errors.length > 0) throw validationProblem(errors);
  return draft;
}

const GUID_D = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_N = /^[0-9a-f]{32}$/i;
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/**
 * A `[FromQuery] Guid` parameter: absent (or empty) binds to `Guid.Empty`; a value that is not a
 * GUID (`D` or `N` format here) is a model-binding failure, 400. Answers the `D` form, lower-case.
 */
export function queryGuid(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (value === null || value === '') return EMPTY_GUID;
  if (GUID_D.test(value)) return value.toLowerCase();
  if (GUID_N.test(value)) {
    const hex = value.toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  throw validationProblem([VLD.invalidValue([`/${name}`])]);
}
