import { RESOURCE_URN } from '../domain/altinn-identifiers.js';
import type { SystemUserRequestInput } from '../domain/system-user-request.js';
import type { CreateSystemUserRequestBody } from '../ports/altinn.js';

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
