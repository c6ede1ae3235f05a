import { packageInfo, rightKey } from '../access-packages.js';
import type { AccessPackage, RegisteredSystem, Right, SystemUserType } from '../altinn-model.js';
import { AUTH, serverError } from '../altinn-problem.js';
import { redirectAllowed } from './request-input.js';

/**
 * The content checks Altinn's request and change-request services share, each throwing the
 * problem Altinn answers with.
 */

/**
 * A non-empty `redirectUrl` (`AuthenticationHelper.ValidateRedirectUrl`, reference §3.2 step
 * 4.5): AUTH-00026 when the system has no allowed URLs, AUTH-00021 unless it equals one up to the
 * path. A relative URL makes `new Uri` throw in Altinn: a 500 [inferred], reproduced.
 */
export function checkRedirectUrl(redirectUrl: string | undefined, system: RegisteredSystem): void {
  if (!redirectUrl) return;
  if (system.allowedRedirectUrls.length === 0) throw AUTH.noRedirectUris();
  if (!URL.canParse(redirectUrl)) throw serverError('Invalid URI: the redirectUrl is not absolute');
  if (!redirectAllowed(redirectUrl, system.allowedRedirectUrls)) throw AUTH.redirectUriNotFound();
}

/**
 * `SystemUserService.ValidateRights` (`Svc/SystemUserService.cs:643-679`): no more rights than the
 * system has, and each one equal to one of the system's; else AUTH-00001.
 */
export function checkRights(rights: readonly Right[], system: RegisteredSystem): void {
  if (rights.length === 0) return;
  if (rights.length > system.rights.length) throw AUTH.rightsNotFound();
  const offered = new Set(system.rights.map(rightKey));
  if (!rights.every((right) => offered.has(rightKey(right)))) throw AUTH.rightsNotFound();
}

/**
 * `SystemUserService.ValidateAccessPackages` (`Svc/SystemUserService.cs:682-757`): more packages
 * than the system has, or one it does not have, is AUTH-00063 (`NotFoundPackages`); then each must
 * be assignable for a standard system user (AUTH-00064) or delegable to clients for an agent
 * (AUTH-00065) (`NotDelegablePackages`). The extension members are Altinn's `ProblemExtensionData`.
 */
export function checkPackages(
  packages: readonly AccessPackage[],
  system: RegisteredSystem,
  type: SystemUserType,
): void {
  if (packages.length === 0) return;
  if (system.accessPackages.length < packages.length) throw AUTH.accessPackageNotOnSystem();
  const offered = new Set(system.accessPackages.map((p) => p.urn));
  const notFound = packages.filter((p) => !offered.has(p.urn)).map((p) => p.urn);
  if (notFound.length > 0) {
    throw AUTH.accessPackageNotOnSystem({ NotFoundPackages: notFound.join(', ') });
  }
  const usable = (urn: string) => {
    const info = packageInfo(urn);
    return type === 'agent' ? info?.isDelegable === true : info?.isAssignable === true;
  };
  const refused = packages.filter((p) => !usable(p.urn)).map((p) => p.urn);
  if (refused.length === 0) return;
  const extension = { NotDelegablePackages: refused.join(', ') };
  throw type === 'agent'
    ? AUTH.accessPackageNotForClients(extension)
    : AUTH.accessPackageNotAssignable(extension);
}

/** Altinn's request columns are `varchar(255)`; a longer value makes the insert throw: 500 [inferred]. */
export const MAX_COLUMN_LENGTH = 255;

export function checkColumnLengths(values: Record<string, string | undefined>): void {
  for (const [column, value] of Object.entries(values)) {
    if (value !== undefined && value.length > MAX_COLUMN_LENGTH) {
      throw serverError(`value too long for type character varying(255): ${column}`);
    }
  }
}
