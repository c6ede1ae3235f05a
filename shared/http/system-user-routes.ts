import type { FoundRequest, SystemUserService } from '../app/system-user-service.js';
import { type CallerPolicy, requireAllowed } from '../domain/caller-policy.js';
import {
  parseSystemUserQuery,
  parseSystemUserRequestInput,
  parseTypeParam,
  requireRequestId,
} from '../domain/system-user-request.js';
import type { ApiRequest } from './api-types.js';
import { readJsonBody } from './json-body.js';
import { notFoundById, onboardingRoute, readAllowed } from './onboarding-access.js';
import { jsonResponse } from './responses.js';
import type { Route, RouteCall, RouteHandler } from './router.js';
import { toRequestView, toSystemUserView } from './system-user-views.js';

export interface SystemUserRoutesOptions {
  systemUsers: SystemUserService;
  policy: CallerPolicy;
}

/**
 * The system-user endpoints for the vendor's onboarding flows: each parses its input, checks the
 * caller policy (onboarding, for the org) before Altinn is called, runs the use case and formats
 * Altinn's answer. One audit line per call names the action, org and type.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuser/external/
 */
export function createSystemUserRoutes(options: SystemUserRoutesOptions): Route[] {
  const { systemUsers, policy } = options;

  const create: RouteHandler = async (request, { deadline, audit }) => {
    const input = parseSystemUserRequestInput(readJsonBody(request));
    audit['org'] = input.org;
    audit['type'] = input.type;
    requireAllowed(policy, request.caller, { kind: 'onboarding', org: input.org });
    const answer = await systemUsers.createRequest(input, deadline);
    audit['requestId'] = answer.request.id;
    if (answer.replaced) audit['replacedTimedOut'] = answer.replaced;
    return jsonResponse(answer.created ? 201 : 200, toRequestView(answer.request, answer.type));
  };

  /** The broker's request behind `{id}`, once the caller may see its org. */
  const readById = async (request: ApiRequest, call: RouteCall) => {
    const id = requireRequestId(call.params['id'] ?? '');
    const type = parseTypeParam(request.query);
    call.audit['requestId'] = id;
    const target = {
      noun: 'system-user request',
      id,
      orgOf: (f: FoundRequest) => f.request.partyOrgNo,
    };
    const found = await readAllowed(policy, request, call, target, () =>
      systemUsers.lookupRequest(id, type, call.deadline),
    );
    call.audit['type'] = found.type;
    return { found, target };
  };

  const byId: RouteHandler = async (request, call) => {
    const { found } = await readById(request, call);
    return jsonResponse(200, toRequestView(found.request, found.type));
  };

  /** Never sends Altinn's DELETE for a request the broker did not first read as its own. */
  const remove: RouteHandler = async (request, call) => {
    const { found, target } = await readById(request, call);
    if (!(await systemUsers.deleteRequest(found, call.deadline))) {
      throw notFoundById(call, target, 'deleted meanwhile');
    }
    return { status: 204, headers: { 'cache-control': 'no-store' }, body: '' };
  };

  const byExternalRef: RouteHandler = async (request, { deadline, audit }) => {
    const query = parseSystemUserQuery(request.query, { allowType: true });
    audit['org'] = query.org;
    requireAllowed(policy, request.caller, { kind: 'onboarding', org: query.org });
    const found = await systemUsers.findRequest(query, deadline);
    audit['type'] = found.type;
    return jsonResponse(200, toRequestView(found.request, found.type));
  };

  const systemUser: RouteHandler = async (request, { deadline, audit }) => {
    const query = parseSystemUserQuery(request.query, { allowType: false });
    audit['org'] = query.org;
    requireAllowed(policy, request.caller, { kind: 'onboarding', org: query.org });
    const user = await systemUsers.findSystemUser(query, deadline);
    if (!user) return jsonResponse(200, { exists: false });
    return jsonResponse(200, { exists: true, systemUser: toSystemUserView(user) });
  };

  return [
    onboardingRoute('POST', '/v1/systemuser-requests', 'create request', create),
    onboardingRoute('GET', '/v1/systemuser-requests', 'read request by externalRef', byExternalRef),
    onboardingRoute('GET', '/v1/systemuser-requests/{id}', 'read request', byId),
    onboardingRoute('DELETE', '/v1/systemuser-requests/{id}', 'delete request', remove),
    onboardingRoute('GET', '/v1/systemusers', 'read system user', systemUser),
  ];
}
