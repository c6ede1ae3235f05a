import { isObject, trimmedString } from '../altinn-http.js';
import type { AccessPackage, Right, SystemUserType } from '../altinn-model.js';
import { type AltinnValidationError, VLD, validationProblem } from '../altinn-problem.js';
import { parsePackage, parseRight } from '../system-register/system-input.js';

/**
 * A `CreateRequestSystemUser` / `CreateAgentRequestSystemUser` body, read case-insensitively, with
 * its top-level strings trimmed (`TrimStringsActionFilter`): `{systemId, partyOrgNo, externalRef?,
 * integrationTitle?, rights?, accessPackages?, redirectUrl?}`. The older docs' `externalReference`
 * is not read, as Altinn's code does not.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 */
export interface RequestDraft {
  systemId: string;
  partyOrgNo: string;
  /** Undefined when absent or `null`; `""` (or whitespace) stays `""`, as in Altinn. */
  externalRef?: string;
  integrationTitle?: string;
  /** `null` when absent or `null`: Altinn tells that apart from `[]` (AUTH-00001 vs 00059). */
  rights: Right[] | null;
  accessPackages: AccessPackage[] | null;
  /** `""` counts as none (Altinn skips the redirect check), but is echoed back. */
  redirectUrl?: string;
}

/**
 * Model binding: `systemId` and `partyOrgNo` are required and must not be blank; an agent body's
 * `accessPackages` is `[Required]` too (absent or `null` is a model error, `[]` is not); lists must
 * hold well-formed items. Altinn's agent model has no `rights` member and would ignore one; the
 * sandbox refuses non-empty `rights` on an agent request instead, so a client sending them learns
 * at once that they would be dropped.
 */
export function parseRequestBody(body: unknown, type: SystemUserType): RequestDraft {
  if (!isObject(body)) throw validationProblem([VLD.jsonError(['/'])]);
  const errors: AltinnValidationError[] = [];
  const text = (key: string, path: string, required: boolean) => {
    const value = body[key];
    if (value === undefined || value === null) {
      if (required) errors.push(VLD.required([path]));
      return undefined;
    }
    const trimmed = trimmedString(value);
    if (trimmed === undefined || (required && trimmed === ''))
      errors.push(VLD.invalidValue([path]));
    return trimmed;
  };
  const list = <T>(key: string, path: string, item: (v: unknown) => T | undefined): T[] | null => {
    const value = body[key];
    if (value === undefined || value === null) return null;
    const items = Array.isArray(value) ? value.map(item) : [undefined];
    if (items.some((i) => i === undefined)) errors.push(VLD.invalidValue([path]));
    return items.filter((i): i is T => i !== undefined);
  };
  const systemId = text('systemid', '/systemId', true);
  const partyOrgNo = text('partyorgno', '/partyOrgNo', true);
  const externalRef = text('externalref', '/externalRef', false);
  const integrationTitle = text('integrationtitle', '/integrationTitle', false);
  const redirectUrl = text('redirecturl', '/redirectUrl', false);
  const rights = list('rights', '/rights', parseRight);
  const accessPackages = list('accesspackages', '/accessPackages', parsePackage);
  if (type === 'agent') {
    if (accessPackages === null) errors.push(VLD.required(['/accessPackages']));
    if (rights !== null && rights.length > 0) errors.push(VLD.invalidValue(['/rights']));
  }
  if (errors.length > 0 || !systemId || !partyOrgNo) throw validationProblem(errors);
  return {
    systemId,
    partyOrgNo,
    rights: type === 'agent' ? [] : rights,
    accessPackages,
    ...(externalRef === undefined ? {} : { externalRef }),
    ...(integrationTitle === undefined ? {} : { integrationTitle }),
    ...(redirectUrl === undefined ? {} : { redirectUrl }),
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A `{requestId}` route value must bind to a Guid, else 400 (STD.VLD-00002). */
export function requireGuid(value: string | undefined, path: string): string {
  if (value === undefined || !GUID.test(value)) throw validationProblem([VLD.invalidValue([path])]);
  return value.toLowerCase();
}

/**
 * Altinn matches a request's `redirectUrl` against the system's `allowedRedirectUrls` up to and
 * including the path (`Uri.GetLeftPart(UriPartial.Path)`), so only the query (and fragment) may
 * differ. The caller has checked that `redirectUrl` parses.
 */
export function redirectAllowed(redirectUrl: string, allowed: readonly string[]): boolean {
  const wanted = new URL(redirectUrl);
  return allowed.some((entry) => {
    if (!URL.canParse(entry)) return false;
    const url = new URL(entry);
    return url.origin === wanted.origin && url.pathname === wanted.pathname;
  });
}
