import type { ChangeRequestService } from '../app/change-request-service.js';
import type { CallerPolicy } from '../domain/caller-policy.js';
import { requireAllowed } from '../domain/caller-policy.js';
import { parseChangeRequestInput } from '../domain/change-request.js';
import { parseSystemUserQuery, requireRequestId } from '../domain/system-user-request.js';
import type { AltinnChangeRequest } from '../ports/altinn.js';
import type { ApiRequest } from './api-types.js';
import { toChangeRequestView } from './change-request-views.js';
import { readJsonBody } from './json-body.js';
import { notFoundById, onboardingRoute, readAllowed } from './onboarding-access.js';
import { jsonResponse } from './responses.js';
import type { Route, RouteCall, RouteHandler } from './router.js';

export interface ChangeRequestRoutesOptions {
  changeRequests: ChangeRequestService;
  policy: CallerPolicy;
}

/**
 * The change-request endpoints: a customer's standard system user gets more (or fewer) rights and
 * access packages without being onboarded again. The same caller policy as onboarding (a rule
 * with `systemUserRequests` for the org), the same audit line (`system-user call`, with the
 * action), the same ownership and deadline rules as requests.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/changerequest/
 */
export function createChangeRequestRoutes(options: ChangeRequestRoutesOptions): Route[] {
  const { changeRequests, policy } = options;

  const create: RouteHandler = async (request, { deadline, audit }) => {
    const input = parseChangeRequestInput(readJsonBody(request));
    audit['org'] = input.org;
    requireAllowed(policy, request.caller, { kind: 'onboarding', org: input.org });
    const answer = await changeRequests.create(input, deadline);
    audit['changeRequestId'] = answer.changeRequest.id;
    audit['status'] = answer.changeRequest.status;
    if (answer.generation > 0) audit['generation'] = answer.generation;
    return jsonResponse(answer.created ? 201 : 200, toChangeRequestView(answer.changeRequest));
  };

  const list: RouteHandler = async (request, { deadline, audit }) => {
    const query = parseSystemUserQuery(request.query, { allowType: false });
    audit['org'] = query.org;
    requireAllowed(policy, request.caller, { kind: 'onboarding', org: query.org });
    const found = await changeRequests.list(query, deadline);
    return jsonResponse(200, {
      changeRequests: found.changeRequests.map(toChangeRequestView),
      complete: found.complete,
    });
  };

  /** The broker's change request behind `{id}`, once the caller may see its org. */
  const readById = async (request: ApiRequest, call: RouteCall) => {
    const id = requireRequestId(call.params['id'] ?? '');
    call.audit['changeRequestId'] = id;
    const target = {
      noun: 'change request',
      id,
      orgOf: (item: AltinnChangeRequest) => item.partyOrgNo,
    };
    const found = await readAllowed(policy, request, call, target, () =>
      changeRequests.lookup(id, call.deadline),
    );
    return { found, target };
  };

  const byId: RouteHandler = async (request, call) => {
    const { found } = await readById(request, call);
    return jsonResponse(200, toChangeRequestView(found));
  };

  /** Never sends Altinn's DELETE for a change request the broker did not first read as its own. */
  const remove: RouteHandler = async (request, call) => {
    const { found, target } = await readById(request, call);
    if (!(await changeRequests.delete(found, call.deadline))) {
      throw notFoundById(call, target, 'deleted meanwhile');
    }
    return { status: 204, headers: { 'cache-control': 'no-store' }, body: '' };
  };

  return [
    onboardingRoute('POST', '/v1/systemuser-changes', 'create change request', create),
    onboardingRoute('GET', '/v1/systemuser-changes', 'list change requests', list),
    onboardingRoute('GET', '/v1/systemuser-changes/{id}', 'read change request', byId),
    onboardingRoute('DELETE', '/v1/systemuser-changes/{id}', 'delete change request', remove),
  ];
}
