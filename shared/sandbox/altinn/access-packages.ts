import type { AccessPackage, Right } from './altinn-model.js';

/**
 * The sandbox has no resource registry and no access-package catalogue of its own. It stands in
 * for them like this:
 * - a right is valid when every attribute is `{id: "urn:altinn:resource", value: <non-empty>}`;
 *   any value is accepted (Altinn also checks that the resource exists and is delegable,
 *   AUTH.VLD-00003/00017, which the sandbox cannot);
 * - a package is valid when its URN matches `urn:altinn:accesspackage:<lower-case-slug>`;
 * - `packageInfo` is the catalogue's two flags, which Altinn reads from Access Management for
 *   each package (`Package.IsAssignable`, `Package.IsDelegable`):
 *   - the client-relationship packages (accountant, auditor, business manager) are meant for
 *     agent system users: not assignable, delegable to clients;
 *   - the administration packages (main administrator, access management, client and customer
 *     administration) are neither;
 *   - every other well-formed package is an ordinary one: assignable to a standard system user,
 *     not delegable to clients.
 *   A standard request needs assignable packages (AUTH-00064), an agent request delegable ones
 *   (AUTH-00065): reference §3.2 step 4.6, `Svc/SystemUserService.cs:682-757`, and the texts of
 *   AUTH-00064/00065 in `src/Core/Problems/Problem.cs:397,403`.
 *
 * @see https://docs.altinn.studio/nb/authorization/guides/system-vendor/system-user/systemuserrequest
 */
export const RESOURCE_ATTRIBUTE = 'urn:altinn:resource';

const PACKAGE_URN = /^urn:altinn:accesspackage:[a-z0-9]+(?:-[a-z0-9]+)*$/;
const urn = (slug: string) => `urn:altinn:accesspackage:${slug}`;

export const CLIENT_RELATIONSHIP_PACKAGES: ReadonlySet<string> = new Set(
  [
    'regnskapsforer-med-signeringsrettighet',
    'regnskapsforer-uten-signeringsrettighet',
    'regnskapsforer-lonn',
    'ansvarlig-revisor',
    'revisormedarbeider',
    'forretningsforer-eiendom',
  ].map(urn),
);

export const ADMINISTRATION_PACKAGES: ReadonlySet<string> = new Set(
  [
    'hovedadministrator',
    'tilgangsstyring',
    'klientadministrasjon',
    'kundeadministrator',
    'konkursbo-tilgangsstyring',
  ].map(urn),
);

/** A package's flags in Altinn's catalogue (Access Management's `Package`). */
export interface PackageInfo {
  /** May be given to a standard system user (a request's `accessPackages`). */
  isAssignable: boolean;
  /** May be delegated onwards to clients, i.e. given to an agent system user. */
  isDelegable: boolean;
}

/** The catalogue entry for `urn`, or undefined for a URN that is not a package at all. */
export function packageInfo(packageUrn: string): PackageInfo | undefined {
  if (!PACKAGE_URN.test(packageUrn)) return undefined;
  if (CLIENT_RELATIONSHIP_PACKAGES.has(packageUrn))
    return { isAssignable: false, isDelegable: true };
  if (ADMINISTRATION_PACKAGES.has(packageUrn)) return { isAssignable: false, isDelegable: false };
  return { isAssignable: true, isDelegable: false };
}

/** Not assignable to a standard system user: what AUTH.VLD-00018 refuses on a visible system. */
export const isClientRelationshipPackage = (packageUrn: string) =>
  packageInfo(packageUrn)?.isAssignable === false;

/** Neither assignable nor delegable: the register refuses it like an unknown one (VLD-00008). */
export const isUsablePackage = (packageUrn: string) => {
  const info = packageInfo(packageUrn);
  return info !== undefined && (info.isAssignable || info.isDelegable);
};

export function isValidRight(right: Right): boolean {
  return (
    right.resource.length > 0 &&
    right.resource.every((a) => a.id === RESOURCE_ATTRIBUTE && a.value.trim() !== '')
  );
}

/** A right's identity for duplicate and subset checks: its sorted attribute pairs. */
export function rightKey(right: Right): string {
  return JSON.stringify(right.resource.map((a) => [a.id, a.value]).sort());
}

export const hasDuplicates = (keys: string[]) => new Set(keys).size !== keys.length;

export const packageKeys = (packages: AccessPackage[]) => packages.map((p) => p.urn);
