/**
 * Identifiers Altinn defines for system users: resource rights and access packages. Shared by the
 * onboarding request rules and the system-register check, so both accept exactly the same forms.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemregister/model/
 */

/** The attribute id of a resource right: `{id: "urn:altinn:resource", value: <resource id>}`. */
export const RESOURCE_URN = 'urn:altinn:resource';

/** Altinn resource ids: letters, digits, `-`, `_` and `.` (e.g. `ske-krav-og-betalinger`, `app_ttd_x`). */
export const RESOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

export const ACCESS_PACKAGE_PREFIX = 'urn:altinn:accesspackage:';

/** `urn:altinn:accesspackage:<name>`, the name in lower case. */
export const ACCESS_PACKAGE = /^urn:altinn:accesspackage:[a-z0-9][a-z0-9-]{0,99}$/;
