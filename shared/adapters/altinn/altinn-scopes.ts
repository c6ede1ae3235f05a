/**
 * The Maskinporten scope each Altinn vendor endpoint requires (Altinn `AuthzConstants` policies).
 * A token without it gets 403.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/scopes/
 */
export const ALTINN_SCOPES = {
  /** `systemregister/vendor[/...]`, and `systemuser/vendor/bysystem/{systemId}`. */
  systemRegisterWrite: 'altinn:authentication/systemregister.write',
  /** Creating and deleting requests, and `systemuser/vendor/byquery` (a GET that needs write). */
  requestWrite: 'altinn:authentication/systemuser.request.write',
  /** Reading requests: by id, by externalRef, by system. */
  requestRead: 'altinn:authentication/systemuser.request.read',
} as const;
