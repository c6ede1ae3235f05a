import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SystemUserType } from '../altinn-model.js';
import { isTimedOut, type SystemUserRequestRecord } from '../requests/request-model.js';
import { renderOutcomePage, renderRequestPage } from './approval-page.js';
import { type ApprovalDeps, type DecisionOutcome, decide, parseClientList } from './decide.js';
import {
  idFrom,
  notFoundPage,
  readDecisionForm,
  sendDecided,
  sendHtml,
  sendMethodNotAllowedPage,
} from './page-io.js';

export interface ApprovalEndpointDeps extends ApprovalDeps {
  confirmUrl(record: SystemUserRequestRecord): string;
  onDecision(decision: 'accepted' | 'rejected'): void;
}

/**
 * The `confirmUrl` (`{origin}{basePath}/am/accessmanagement/ui/systemuser/request?id=<id>&DONTCHOOSEREPORTEE=true`,
 * `.../agentrequest?...` for agents). GET shows the request; POST `application/x-www-form-urlencoded`
 * with `decision=accept|reject` (and for agents `clients=<orgnos>`) decides it. After a decision
 * Altinn logs the user out and sends them to the request's `redirectUrl` unchanged (nothing is
 * appended; the vendor polls the status API), so the sandbox answers 303 to it, or a receipt page
 * when there is none. Deciding a request that is not `New` is 409; an old `New` one can still be
 * decided (see `decide`). There is no login: anyone with the link decides, where Altinn requires
 * the organisation's access manager.
 *
 * @see https://docs.altinn.studio/en/authorization/guides/end-user/system-user/accept-request/
 */
export async function handleApprovalPage(
  req: IncomingMessage,
  res: ServerResponse,
  type: SystemUserType,
  url: URL,
  deps: ApprovalEndpointDeps,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    sendMethodNotAllowedPage(req, res);
    return;
  }
  const id = idFrom(url);
  const request = id ? deps.requests.get(id) : undefined;
  if (!request || request.type !== type) {
    req.resume();
    sendHtml(res, 404, notFoundPage());
    return;
  }
  if (req.method === 'GET') {
    sendHtml(res, 200, requestPage(deps, request));
    return;
  }
  const form = await readDecisionForm(req, res);
  if (!form) return;
  const { decision } = form;
  const clientsText = form.fields.get('clients') ?? '';
  const outcome = decide(
    deps,
    request.id,
    decision === 'accept' ? { decision, clients: parseClientList(clientsText) } : { decision },
  );
  answer(res, deps, request, outcome, clientsText);
}

function answer(
  res: ServerResponse,
  deps: ApprovalEndpointDeps,
  request: SystemUserRequestRecord,
  outcome: DecisionOutcome,
  clientsText: string,
): void {
  if (outcome.ok) {
    sendDecided(res, outcome.request, deps.onDecision, () =>
      renderOutcomePage(outcome.request, outcome.systemUser),
    );
    return;
  }
  if (outcome.reason === 'not_found') {
    sendHtml(res, 404, notFoundPage());
  } else if (outcome.reason === 'invalid_clients') {
    const error = `Ugyldige organisasjonsnumre · Invalid organisation numbers: ${outcome.detail ?? ''}`;
    sendHtml(res, 400, requestPage(deps, request, { error, clients: clientsText }));
  } else {
    sendHtml(
      res,
      409,
      requestPage(deps, outcome.request ?? request, { error: conflictText(outcome) }),
    );
  }
}

function conflictText(outcome: Extract<DecisionOutcome, { ok: false }>): string {
  if (outcome.reason === 'system_user_exists') {
    return 'Systembrukeren finnes allerede · The system user already exists.';
  }
  if (outcome.reason === 'system_unavailable') {
    return 'Systemet er ikke lenger registrert · The system is no longer registered.';
  }
  return `Forespørselen er allerede behandlet (${outcome.request?.status ?? ''}) · The request has already been decided.`;
}

function requestPage(
  deps: ApprovalEndpointDeps,
  request: SystemUserRequestRecord,
  extra: { error?: string; clients?: string } = {},
): string {
  const systemUser =
    request.status === 'Accepted' ? deps.registry.getSystemUser(request.id) : undefined;
  return renderRequestPage({
    request,
    timedOut: isTimedOut(request, deps.clock()),
    system: deps.registry.getSystem(request.systemId),
    actionUrl: deps.confirmUrl(request),
    ...(systemUser ? { systemUser } : {}),
    ...extra,
  });
}
