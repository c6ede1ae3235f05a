import { isValidOrgnr } from '../../../domain/orgnr.js';
import type { Clock } from '../../../ports/clock.js';
import { AltinnRegistryError, type SystemUser } from '../altinn-model.js';
import type { AltinnRegistry } from '../altinn-registry.js';
import type { SystemUserRequestRecord } from '../requests/request-model.js';
import type { SystemUserRequestStore } from '../requests/request-store.js';

export type Decision = { decision: 'accept'; clients?: string[] } | { decision: 'reject' };

export type DecisionOutcome =
  | { ok: true; request: SystemUserRequestRecord; systemUser?: SystemUser }
  | {
      ok: false;
      reason:
        | 'not_found'
        | 'not_new'
        | 'system_user_exists'
        | 'system_unavailable'
        | 'invalid_clients';
      request?: SystemUserRequestRecord;
      detail?: string;
    };

export interface ApprovalDeps {
  registry: AltinnRegistry;
  requests: SystemUserRequestStore;
  clock: Clock;
}

/**
 * What the customer's decision in Altinn does: only a `New` request can be decided, however old:
 * the backend checks the status, not the 180-day flag (reference §3.3,
 * `Svc/RequestSystemUserService.cs:538-541`; whether the portal hides an old request is not
 * public, and the sandbox's page shows it with a warning). Accept creates the system user in the register, with the request's id (Altinn reuses
 * it as the `systemuser_id`), type, externalRef, rights and packages, plus for agent users the
 * delegated clients; then the status is `Accepted`, so the next Maskinporten grant for the org
 * finds it. Reject sets `Rejected`. Clients are ignored for standard requests.
 *
 * @see https://docs.altinn.studio/en/authorization/guides/end-user/system-user/accept-request/
 */
export function decide(deps: ApprovalDeps, id: string, decision: Decision): DecisionOutcome {
  const request = deps.requests.get(id);
  if (!request) return { ok: false, reason: 'not_found' };
  if (request.status !== 'New') return { ok: false, reason: 'not_new', request };
  if (decision.decision === 'reject') {
    return { ok: true, request: deps.requests.setStatus(id, 'Rejected') ?? request };
  }
  const clients = request.type === 'agent' ? (decision.clients ?? []) : [];
  const invalid = clients.filter((orgNo) => !isValidOrgnr(orgNo) || orgNo === request.partyOrgNo);
  if (invalid.length > 0) {
    return { ok: false, reason: 'invalid_clients', request, detail: invalid.join(', ') };
  }
  let systemUser: SystemUser;
  try {
    systemUser = deps.registry.createSystemUser({
      id: request.id,
      systemId: request.systemId,
      reporteeOrgNo: request.partyOrgNo,
      externalRef: request.externalRef,
      userType: request.type,
      integrationTitle: request.integrationTitle,
      rights: request.rights,
      accessPackages: request.accessPackages,
      clients: [...new Set(clients)],
    });
  } catch (error) {
    if (!(error instanceof AltinnRegistryError)) throw error;
    const reason = error.code === 'AUTH-00004' ? 'system_user_exists' : 'system_unavailable';
    return { ok: false, reason, request, detail: error.message };
  }
  return { ok: true, request: deps.requests.setStatus(id, 'Accepted') ?? request, systemUser };
}

/**
 * The client orgnos typed on the approval page: separated by commas, semicolons or whitespace,
 * each 9 digits (spaces inside a number, as in "910 753 614", are not supported).
 */
export function parseClientList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
