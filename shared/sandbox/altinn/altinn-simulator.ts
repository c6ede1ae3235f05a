import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import { type Clock, systemClock } from '../../ports/clock.js';
import { applyFault, type FaultQueue } from '../faults.js';
import { BearerVerifier, requireScope, type VendorPrincipal } from './altinn-auth.js';
import type { AltinnDeps, AltinnRoute } from './altinn-context.js';
import { sendProblem, sendReply } from './altinn-http.js';
import type { SystemUser, SystemUserRequestStatus } from './altinn-model.js';
import { DEFAULT_PAGE_SIZE } from './altinn-pagination.js';
import { AltinnProblem, httpProblem } from './altinn-problem.js';
import type { AltinnRegistry } from './altinn-registry.js';
import { AltinnRouter, pathSegments } from './altinn-router.js';
import { AltinnStats, type AltinnStatsView } from './altinn-stats.js';
import { handleApprovalPage } from './approval/approval-endpoint.js';
import { handleChangeApprovalPage } from './approval/change-approval-endpoint.js';
import { type Decision, type DecisionOutcome, decide } from './approval/decide.js';
import {
  type ChangeDecision,
  type ChangeDecisionOutcome,
  decideChange,
} from './approval/decide-change.js';
import { changeRequestRoutes } from './change-requests/change-request-api.js';
import { ChangeRequestStore } from './change-requests/change-request-store.js';
import { AltinnTokenExchange } from './exchange/altinn-exchange.js';
import { exchangeRoutes } from './exchange/altinn-exchange-api.js';
import { requestRoutes } from './requests/request-api.js';
import { respond } from './requests/request-create.js';
import { DAY_MS, type SystemUserRequestRecord } from './requests/request-model.js';
import { SystemUserRequestStore } from './requests/request-store.js';
import { systemRegisterRoutes } from './system-register/system-register-api.js';
import { systemUserRoutes } from './system-users/systemuser-api.js';

const API_PREFIX = '/authentication/api/v1/';
const CONFIRM_PATH = '/am/accessmanagement/ui/systemuser/';
const ROUTES: AltinnRoute[] = [
  ...systemRegisterRoutes,
  ...requestRoutes,
  ...changeRequestRoutes,
  ...systemUserRoutes,
  ...exchangeRoutes,
];
const ANONYMOUS: VendorPrincipal = { orgNo: '', scopes: new Set(), claims: {} };

export interface AltinnSimulatorOptions {
  origin: string;
  basePath: string;
  registry: AltinnRegistry;
  /** The Maskinporten simulator whose tokens the vendor APIs and the exchange accept. */
  maskinporten: { issuer: string; jwks(): { keys: JWK[] } };
  /** Shared with the Maskinporten simulator; `altinn` and `exchange` faults are taken here. */
  faults: FaultQueue;
  clock?: Clock;
  /** Default 20. */
  pageSize?: number;
  /** Lifetime of exchanged Altinn tokens; default 1800 s. */
  altinnTokenLifetimeSeconds?: number;
}

/**
 * The Altinn side of the sandbox: the system-register and system-user vendor APIs under
 * `{platform}/authentication/api/v1/` (platform = `{origin}{basePath}/altinn`), the token exchange
 * and its JWKS, and the approval page behind each `confirmUrl`
 * (`{origin}{basePath}/am/accessmanagement/ui/systemuser/{request|agentrequest}`). Never logs,
 * never echoes a token.
 *
 * @see https://docs.altinn.studio/nb/authorization/guides/system-vendor/system-user/systemuserrequest
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/
 */
export class AltinnSimulator {
  readonly platformUrl: string;
  readonly apiBase: string;
  readonly exchange: AltinnTokenExchange;
  readonly stats: AltinnStatsView;
  readonly requests = new SystemUserRequestStore();
  readonly changeRequests = new ChangeRequestStore();
  readonly #stats = new AltinnStats();
  readonly #router = new AltinnRouter(ROUTES);
  readonly #options: AltinnSimulatorOptions;
  readonly #clock: Clock;
  readonly #deps: AltinnDeps;
  #pageSize: number;

  static async create(options: AltinnSimulatorOptions): Promise<AltinnSimulator> {
    const platformUrl = `${options.origin}${options.basePath}/altinn`;
    const exchange = await AltinnTokenExchange.create({
      platformUrl,
      clock: options.clock ?? systemClock,
      ...(options.altinnTokenLifetimeSeconds === undefined
        ? {}
        : { lifetimeSeconds: options.altinnTokenLifetimeSeconds }),
    });
    return new AltinnSimulator(options, exchange);
  }

  constructor(options: AltinnSimulatorOptions, exchange: AltinnTokenExchange) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.platformUrl = `${options.origin}${options.basePath}/altinn`;
    this.apiBase = `${this.platformUrl}${API_PREFIX}`;
    this.exchange = exchange;
    this.stats = this.#stats;
    this.#pageSize = pageSize(options.pageSize ?? DEFAULT_PAGE_SIZE);
    const maskinporten = { issuer: options.maskinporten.issuer, jwks: options.maskinporten.jwks() };
    const altinn = { issuer: exchange.issuer, jwks: exchange.jwks() };
    this.#deps = {
      registry: options.registry,
      requests: this.requests,
      changeRequests: this.changeRequests,
      clock: this.#clock,
      platformUrl: this.platformUrl,
      apiBase: this.apiBase,
      confirmUrl: (record) => this.confirmUrl(record),
      changeConfirmUrl: (id) => this.changeConfirmUrl(id),
      pageSize: () => this.#pageSize,
      exchange,
      vendorTokens: new BearerVerifier([maskinporten, altinn], this.#clock),
      maskinportenTokens: new BearerVerifier([maskinporten], this.#clock),
      onExchange: () => {
        this.#stats.tokensExchanged += 1;
      },
    };
    options.registry.onSystemUserDeleted((user) => this.#deleteRequestOf(user));
  }

  /**
   * Deleting a system user in the portal also soft-deletes its request, found by its key
   * (reference §3.5, `Ctl/SystemUserController.cs:671-695`).
   */
  #deleteRequestOf(user: SystemUser): void {
    const request = this.requests.firstByKey(
      user.systemId,
      user.reporteeOrgNo,
      user.externalRef,
      user.userType,
    );
    if (request) this.requests.delete(request.id);
  }

  /** `GET {platform}/authentication/api/v1/exchange/maskinporten`. */
  get exchangeUrl(): string {
    return `${this.apiBase}exchange/maskinporten`;
  }

  /** The sandbox's clock: epoch milliseconds. */
  now(): number {
    return this.#clock();
  }

  /** Where a change request's customer approves it (`.../systemuser/changerequest?id=`). */
  changeConfirmUrl(id: string): string {
    const { origin, basePath } = this.#options;
    return `${origin}${basePath}${CONFIRM_PATH}changerequest?id=${id}&DONTCHOOSEREPORTEE=true`;
  }

  /** Where a request's customer approves it (Altinn's `confirmUrl` shape, on the sandbox's origin). */
  confirmUrl(record: Pick<SystemUserRequestRecord, 'id' | 'type'>): string {
    const page = record.type === 'agent' ? 'agentrequest' : 'request';
    const { origin, basePath } = this.#options;
    return `${origin}${basePath}${CONFIRM_PATH}${page}?id=${record.id}&DONTCHOOSEREPORTEE=true`;
  }

  setPageSize(size: number): void {
    this.#pageSize = pageSize(size);
  }

  /** A live request as Altinn's GET by id shows it (`timedOut` computed now), or undefined. */
  getRequest(id: string): Record<string, unknown> | undefined {
    const record = this.requests.get(id);
    return record ? respond(this.#deps, record, { copyEscalated: false }) : undefined;
  }

  /**
   * Time travel for the 180-day flag: moves a live request's `created` to `days` before the
   * clock's now, e.g. 181 for "an accepted request aged past 180 days". Returns the request as
   * GET by id shows it; throws for an unknown or deleted id.
   */
  ageRequest(id: string, days: number): Record<string, unknown> {
    if (!Number.isFinite(days) || days < 0 || days > 36_500) {
      throw new Error('days must be 0..36500');
    }
    if (!this.requests.setCreated(id, this.#clock() - Math.round(days * DAY_MS))) {
      throw new Error(`no live request ${id}`);
    }
    return this.getRequest(id) as Record<string, unknown>;
  }

  /**
   * Writes a stored status directly, e.g. the legacy `Timedout` that Altinn wrote before
   * November 2025 (reference §3.3), or `Denied`, which nothing else sets.
   */
  setRequestStatus(id: string, status: SystemUserRequestStatus): Record<string, unknown> {
    if (!this.requests.setStatus(id, status)) throw new Error(`no live request ${id}`);
    return this.getRequest(id) as Record<string, unknown>;
  }

  /** The customer's decision without the page, e.g. for tests of a vendor flow. */
  decide(id: string, decision: Decision): DecisionOutcome {
    const outcome = decide(this.#deps, id, decision);
    if (outcome.ok)
      this.#stats.recordDecision(outcome.request.status === 'Accepted' ? 'accepted' : 'rejected');
    return outcome;
  }

  /** The customer's decision on a change request without the page. */
  decideChange(id: string, decision: ChangeDecision): ChangeDecisionOutcome {
    const outcome = decideChange(this.#deps, id, decision);
    if (outcome.ok) {
      this.#stats.recordChangeDecision(
        outcome.changeRequest.status === 'Accepted' ? 'accepted' : 'rejected',
      );
    }
    return outcome;
  }

  /** Answers the Altinn platform paths and the confirm pages; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    const { basePath } = this.#options;
    const platformPath = `${basePath}/altinn`;
    if (pathname === platformPath || pathname.startsWith(`${platformPath}/`)) {
      this.#guard(res, this.#api(req, res, pathname.slice(platformPath.length)));
      return true;
    }
    const page = pathname.startsWith(`${basePath}${CONFIRM_PATH}`)
      ? pathname.slice(`${basePath}${CONFIRM_PATH}`.length)
      : undefined;
    const url = new URL(req.url ?? '/', this.#options.origin);
    if (page === 'changerequest') {
      this.#stats.recordCall(`${req.method} change approval`);
      this.#guard(
        res,
        handleChangeApprovalPage(req, res, url, {
          ...this.#deps,
          confirmUrl: (id) => relative(this.changeConfirmUrl(id)),
          onDecision: (decision) => this.#stats.recordChangeDecision(decision),
        }),
      );
      return true;
    }
    if (page !== 'request' && page !== 'agentrequest') return false;
    this.#stats.recordCall(`${req.method} approval`);
    this.#guard(
      res,
      handleApprovalPage(req, res, page === 'agentrequest' ? 'agent' : 'standard', url, {
        ...this.#deps,
        confirmUrl: (record) => relative(this.confirmUrl(record)),
        onDecision: (decision) => this.#stats.recordDecision(decision),
      }),
    );
    return true;
  }

  async #api(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const segments = rest.startsWith(API_PREFIX)
      ? pathSegments(rest.slice(API_PREFIX.length))
      : undefined;
    const match = segments ? this.#router.match(req.method ?? 'GET', segments) : undefined;
    const route = match?.kind === 'route' ? match.route : undefined;
    this.#stats.recordCall(route ? `${route.method} ${route.path}` : 'unmatched');
    const fault =
      (route?.fault === 'exchange' ? this.#options.faults.take('exchange') : undefined) ??
      this.#options.faults.take('altinn');
    if (fault) {
      this.#stats.faultsApplied += 1;
      if (await applyFault(fault, req, res)) return;
    }
    try {
      if (match?.kind === 'method_not_allowed') {
        req.resume();
        sendReply(res, { status: 405, headers: { allow: match.allow.join(', ') } });
        return;
      }
      if (!route || match?.kind !== 'route') throw httpProblem(404);
      let principal = ANONYMOUS;
      if (route.scopes) {
        principal = await this.#deps.vendorTokens.vendor(req);
        requireScope(principal, route.scopes);
      }
      const url = new URL(req.url ?? '/', this.#options.origin);
      const reply = await route.handle({
        req,
        params: match.params,
        query: url.searchParams,
        principal,
        deps: this.#deps,
      });
      req.resume();
      sendReply(res, reply);
    } catch (error) {
      if (!(error instanceof AltinnProblem)) throw error;
      this.#stats.recordProblem(error.code ?? String(error.status));
      req.resume();
      sendProblem(res, error);
    }
  }

  #guard(res: ServerResponse, work: Promise<void>): void {
    work.catch(() => {
      this.#stats.recordProblem('500');
      sendProblem(res, httpProblem(500, 'Unexpected sandbox error'));
    });
  }
}

function pageSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > 1000)
    throw new Error('page size must be 1..1000');
  return size;
}

const relative = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};
