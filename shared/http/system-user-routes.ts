import type { FoundRequest, SystemUserService } from '../app/system-user-service.js';
import { type CallerPolicy, decide, requireAllowed } from '../domain/caller-policy.js';
import { BrokerError } from '../domain/errors.js';
import {
  parseSystemUserQuery,
  parseSystemUserRequestInput,
  parseTypeParam,
  requireRequestId,
} from '../domain/system-user-request.js';
import type { ApiRequest } from './api-types.js';
import { readJsonBody } from './json-body.js';
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
    const { created, request: found, type } = await systemUsers.createRequest(input, deadline);
    return jsonResponse(created ? 201 : 200, toRequestView(found, type));
  };

  /** The request behind `{id}`, once the caller may see its org (unknown until Altinn answers). */
  const readAllowed = async (
    request: ApiRequest,
    { params, deadline, audit }: RouteCall,
  ): Promise<FoundRequest> => {
    const id = requireRequestId(params['id'] ?? '');
    const type = parseTypeParam(request.query);
    // The org is known only from Altinn's answer: check onboarding rights now, the org after.
    requireAllowed(policy, request.caller, { kind: 'onboarding' });
    const found = await systemUsers.getRequest(id, type, deadline);
    audit['org'] = found.request.partyOrgNo;
    audit['type'] = found.type;
    const org = found.request.partyOrgNo;
    if (!decide(policy, request.caller, { kind: 'onboarding', org }).allowed) {
      // Do not tell a caller which org an id it may not see belongs to.
      throw new BrokerError(
        'access_denied',
        `caller ${request.caller?.id ?? ''} may not read system-user request ${id}`,
      );
    }
    return found;
  };

  const byId: RouteHandler = async (request, call) => {
    const found = await readAllowed(request, call);
    return jsonResponse(200, toRequestView(found.request, found.type));
  };

  const remove: RouteHandler = async (request, call) => {
    const found = await readAllowed(request, call);
    await systemUsers.deleteRequest(found.request.id, call.deadline);
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

  const route = (
    method: Route['method'],
    path: string,
    action: string,
    handler: RouteHandler,
  ): Route => ({
    method,
    path,
    audit: 'system-user call',
    handler: (request, call) => {
      call.audit['action'] = action;
      return handler(request, call);
    },
  });
  return [
    route('POST', '/v1/systemuser-requests', 'create request', create),
    route('GET', '/v1/systemuser-requests', 'read request by externalRef', byExternalRef),
    route('GET', '/v1/systemuser-requests/{id}', 'read request', byId),
    route('DELETE', '/v1/systemuser-requests/{id}', 'delete request', remove),
    route('GET', '/v1/systemusers', 'read system user', systemUser),
  ];
}
