import type { AccessPackage, Right } from './altinn-model.js';

/**
 * The sandbox has no resource registry and no access-package catalogue. It stands in for them
 * like this:
 * - a right is valid when every attribute is `{id: "urn:altinn:resource", value: <non-empty>}`;
 *   any value is accepted (Altinn also checks that the resource exists and is delegable,
 *   AUTH.VLD-00003/00017, which the sandbox cannot);
 * - a package is valid when its URN matches `urn:altinn:accesspackage:<lower-case-slug>`;
 * - the packages meant for client relationships (`isAssignable: false` in Altinn's catalogue,
 *   which makes AUTH.VLD-00018 refuse them on a visible system) are the accountant, auditor and
 *   business-manager ones listed below.
 *
 * @see https://docs.altinn.studio/nb/authorization/guides/system-vendor/system-user/systemuserrequest
 */
export const RESOURCE_ATTRIBUTE = 'urn:altinn:resource';

const PACKAGE_URN = /^urn:altinn:accesspackage:[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const CLIENT_RELATIONSHIP_PACKAGES: ReadonlySet<string> = new Set(
  [
    'regnskapsforer-med-signeringsrettighet',
    'regnskapsforer-uten-signeringsrettighet',
    'regnskapsforer-lonn',
    'ansvarlig-revisor',
    'revisormedarbeider',
    'forretningsforer-eiendom',
  ].map((slug) => `urn:altinn:accesspackage:${slug}`),
);

export const isValidPackageUrn = (urn: string) => PACKAGE_URN.test(urn);

export const isClientRelationshipPackage = (urn: string) => CLIENT_RELATIONSHIP_PACKAGES.has(urn);

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
