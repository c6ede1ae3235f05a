import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderChangeOutcomePage, renderChangeRequestPage } from './change-approval-page.js';
import {
  type ChangeApprovalDeps,
  type ChangeDecisionOutcome,
  decideChange,
} from './decide-change.js';
import {
  idFrom,
  notFoundPage,
  readDecisionForm,
  sendDecided,
  sendHtml,
  sendMethodNotAllowedPage,
} from './page-io.js';

export interface ChangeApprovalEndpointDeps extends ChangeApprovalDeps {
  /** The page's own (relative) URL for a change request id: the form posts back to it. */
  confirmUrl(id: string): string;
  onDecision(decision: 'accepted' | 'rejected'): void;
}

/**
 * A change request's `confirmUrl`
 * (`{origin}{basePath}/am/accessmanagement/ui/systemuser/changerequest?id=<id>&DONTCHOOSEREPORTEE=true`),
 * with the same behaviour as the request page: GET shows it; POST
 * `application/x-www-form-urlencoded` with `decision=accept|reject` decides it (415, 413 and 400
 * for other bodies); afterwards 303 to its `redirectUrl`, or a receipt page. Deciding a change
 * request that is not `New` is 409 (Altinn's AUTH-00013). No login, as on the request page.
 */
export async function handleChangeApprovalPage(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ChangeApprovalEndpointDeps,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    sendMethodNotAllowedPage(req, res);
    return;
  }
  const id = idFrom(url);
  const changeRequest = id ? deps.changeRequests.get(id) : undefined;
  if (!changeRequest) {
    req.resume();
    sendHtml(res, 404, notFoundPage());
    return;
  }
  if (req.method === 'GET') {
    sendHtml(res, 200, pageFor(deps, changeRequest.id));
    return;
  }
  const form = await readDecisionForm(req, res);
  if (!form) return;
  const outcome = decideChange(deps, changeRequest.id, { decision: form.decision });
  answer(res, deps, changeRequest.id, outcome);
}

function answer(
  res: ServerResponse,
  deps: ChangeApprovalEndpointDeps,
  id: string,
  outcome: ChangeDecisionOutcome,
): void {
  if (outcome.ok) {
    sendDecided(res, outcome.changeRequest, deps.onDecision, () =>
      renderChangeOutcomePage(outcome.changeRequest, outcome.systemUser),
    );
    return;
  }
  if (outcome.reason === 'not_found') {
    sendHtml(res, 404, notFoundPage());
    return;
  }
  sendHtml(res, 409, pageFor(deps, id, conflictText(outcome)));
}

function conflictText(outcome: Extract<ChangeDecisionOutcome, { ok: false }>): string {
  if (outcome.reason === 'system_user_gone') {
    return 'Systembrukeren finnes ikke lenger · The system user no longer exists.';
  }
  if (outcome.reason === 'system_unavailable') {
    return 'Systemet er ikke lenger registrert · The system is no longer registered.';
  }
  return `Endringen er allerede behandlet (${outcome.changeRequest?.status ?? ''}) · The change has already been decided.`;
}

function pageFor(deps: ChangeApprovalEndpointDeps, id: string, error?: string): string {
  const changeRequest = deps.changeRequests.snapshot().find((cr) => cr.id === id);
  if (!changeRequest) return notFoundPage();
  const user = deps.registry.getSystemUser(changeRequest.systemUserId);
  return renderChangeRequestPage({
    changeRequest,
    system: deps.registry.getSystem(changeRequest.systemId),
    systemUser: user && !user.isDeleted ? user : undefined,
    actionUrl: deps.confirmUrl(id),
    ...(error ? { error } : {}),
  });
}
