import { toAltinnRequestBody } from '../app/system-user-service.js';
import { altinnToBrokerError, WRONG_REQUEST_TYPE } from '../app/upstream-errors.js';
import { type CallerPolicy, decide, requireAllowed } from '../domain/caller-policy.js';
import { BrokerError } from '../domain/errors.js';
import {
  parseSystemUserQuery,
  parseSystemUserRequestInput,
  parseTypeParam,
  requireRequestId,
  type SystemUserQuery,
  type SystemUserType,
} from '../domain/system-user-request.js';
import {
  AltinnError,
  type AltinnSystemUserRequest,
  type AltinnVendorApi,
} from '../ports/altinn.js';
import type { Clock } from '../ports/clock.js';
import type { Deadline } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';
import type { ApiRequest, ApiResponse } from './api-types.js';
import { readJsonBody } from './json-body.js';
import { jsonResponse } from './responses.js';
import type { Route, RouteHandler } from './router.js';
import { toRequestView, toSystemUserView } from './system-user-views.js';

export interface SystemUserRoutesOptions {
  altinn: AltinnVendorApi;
  /** The broker's system in Altinn's register (`<vendor orgno>_<name>`). */
  systemId: string;
  policy: CallerPolicy;
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
}

/** What one call was about, for its audit line. */
interface CallContext {
  org?: string;
  type?: SystemUserType;
}

type Handler = (
  request: ApiRequest,
  params: Readonly<Record<string, string>>,
  deadline: Deadline,
  context: CallContext,
) => Promise<ApiResponse>;

/**
 * The system-user lifecycle for the vendor's onboarding flows, on Altinn's vendor APIs with the
 * broker's own vendor tokens: create a request, follow it, and check whether a system user exists.
 * The caller policy (`systemUserRequests` and the org) is checked before Altinn is called.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuser/external/
 */
export function createSystemUserRoutes(options: SystemUserRoutesOptions): Route[] {
  const { altinn, systemId, policy } = options;

  const create: Handler = async (request, _params, deadline, context) => {
    const input = parseSystemUserRequestInput(readJsonBody(request));
    context.org = input.org;
    context.type = input.type;
    requireAllowed(policy, request.caller, { kind: 'onboarding', org: input.org });
    let answer: Awaited<ReturnType<AltinnVendorApi['createRequest']>>;
    try {
      answer = await altinn.createRequest(
        input.type,
        toAltinnRequestBody(input, systemId),
        deadline,
      );
    } catch (error) {
      throw altinnToBrokerError(error, {
        what: 'creating the system-user request',
        callerFault: true,
        systemUser: { org: input.org, externalRef: input.externalRef },
      });
    }
    return jsonResponse(answer.created ? 201 : 200, toRequestView(answer.request, input.type));
  };

  /** The request behind `{id}`, once the caller may see its org (unknown until Altinn answers). */
  const findAuthorized = async (
    request: Parameters<Handler>[0],
    params: Parameters<Handler>[1],
    deadline: Deadline,
    context: CallContext,
  ) => {
    const id = requireRequestId(params['id'] ?? '');
    const type = parseTypeParam(request.query);
    // The org is known only from Altinn's answer: check onboarding rights now, the org after.
    requireAllowed(policy, request.caller, { kind: 'onboarding' });
    const found = await withTypeFallback(
      type,
      (t) => altinn.getRequest(t, id, deadline),
      'reading the system-user request',
    );
    context.org = found.request.partyOrgNo;
    context.type = found.type;
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

  const byId: Handler = async (request, params, deadline, context) => {
    const found = await findAuthorized(request, params, deadline, context);
    return jsonResponse(200, toRequestView(found.request, found.type));
  };

  /** Altinn takes no new request for a key while a rejected one exists: it must be deleted first. */
  const remove: Handler = async (request, params, deadline, context) => {
    const found = await findAuthorized(request, params, deadline, context);
    try {
      await altinn.deleteRequest(found.request.id, deadline);
    } catch (error) {
      throw altinnToBrokerError(error, {
        what: 'deleting the system-user request',
        callerFault: true,
      });
    }
    return { status: 204, headers: { 'cache-control': 'no-store' }, body: '' };
  };

  const byExternalRef: Handler = async (request, _params, deadline, context) => {
    const query = parseSystemUserQuery(request.query, { allowType: true });
    context.org = query.org;
    requireAllowed(policy, request.caller, { kind: 'onboarding', org: query.org });
    const key = altinnKey(systemId, query);
    const found = await withTypeFallback(
      query.type,
      (t) => altinn.getRequestByExternalRef(t, key, deadline),
      'reading the system-user request',
    );
    context.type = found.type;
    return jsonResponse(200, toRequestView(found.request, found.type));
  };

  const systemUser: Handler = async (request, _params, deadline, context) => {
    const query = parseSystemUserQuery(request.query, { allowType: false });
    context.org = query.org;
    requireAllowed(policy, request.caller, { kind: 'onboarding', org: query.org });
    let user: Awaited<ReturnType<AltinnVendorApi['findSystemUser']>>;
    try {
      user = await altinn.findSystemUser(altinnKey(systemId, query), deadline);
    } catch (error) {
      throw altinnToBrokerError(error, { what: 'looking up the system user', callerFault: true });
    }
    if (!user || user.isDeleted) return jsonResponse(200, { exists: false });
    return jsonResponse(200, { exists: true, systemUser: toSystemUserView(user) });
  };

  const route = (
    method: Route['method'],
    path: string,
    action: string,
    handler: Handler,
  ): Route => ({
    method,
    path,
    handler: audited(options, action, handler),
  });
  return [
    route('POST', '/v1/systemuser-requests', 'create request', create),
    route('GET', '/v1/systemuser-requests', 'read request by externalRef', byExternalRef),
    route('GET', '/v1/systemuser-requests/{id}', 'read request', byId),
    route('DELETE', '/v1/systemuser-requests/{id}', 'delete request', remove),
    route('GET', '/v1/systemusers', 'read system user', systemUser),
  ];
}

/**
 * Asks for the given type, or standard then agent: Altinn keeps the two apart (a standard id on
 * the agent route is AUTH-00025, an unknown one 404 AUTH-00010).
 */
async function withTypeFallback(
  type: SystemUserType | undefined,
  read: (type: SystemUserType) => Promise<AltinnSystemUserRequest>,
  what: string,
): Promise<{ request: AltinnSystemUserRequest; type: SystemUserType }> {
  const attempt = async (t: SystemUserType) => ({ request: await read(t), type: t });
  try {
    if (type) return await attempt(type);
    try {
      return await attempt('standard');
    } catch (error) {
      if (!isWrongTypeOrMissing(error)) throw error;
      return await attempt('agent');
    }
  } catch (error) {
    throw altinnToBrokerError(error, { what, callerFault: true });
  }
}

function isWrongTypeOrMissing(error: unknown): boolean {
  return (
    error instanceof AltinnError &&
    error.kind === 'http' &&
    (error.status === 404 || error.code === WRONG_REQUEST_TYPE)
  );
}

function altinnKey(systemId: string, query: SystemUserQuery) {
  return { systemId, orgNo: query.org, externalRef: query.externalRef };
}

/** One audit line per call (caller, action, org, outcome), never a token; counts denials and bad input. */
function audited(options: SystemUserRoutesOptions, action: string, handler: Handler): RouteHandler {
  const { clock, logger, metrics } = options;
  return async (request, params, deadline) => {
    const started = clock();
    const context: CallContext = {};
    const fields = () => ({
      caller: request.caller?.id,
      requestId: request.requestId,
      action,
      org: context.org,
      type: context.type,
      latencyMs: clock() - started,
    });
    try {
      const response = await handler(request, params, deadline, context);
      logger.info('system-user call', { ...fields(), outcome: response.status });
      return response;
    } catch (error) {
      if (error instanceof BrokerError) {
        if (error.kind === 'invalid_request') metrics.count('InvalidRequests');
        if (error.kind === 'access_denied') metrics.count('AccessDenied');
        logger.warn('system-user call failed', {
          ...fields(),
          outcome: error.kind,
          reason: error.message,
          upstreamStatus: error.upstream?.status,
          upstreamCode: error.upstream?.code,
        });
      }
      throw error;
    }
  };
}
