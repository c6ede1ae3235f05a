import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import { type Clock, systemClock } from '../../ports/clock.js';
import { applyFault, type FaultQueue } from '../faults.js';
import { BearerVerifier, requireScope, type VendorPrincipal } from './altinn-auth.js';
import type { AltinnDeps, AltinnRoute } from './altinn-context.js';
import { sendProblem, sendReply } from './altinn-http.js';
import { DEFAULT_PAGE_SIZE } from './altinn-pagination.js';
import { AltinnProblem, httpProblem } from './altinn-problem.js';
import type { AltinnRegistry } from './altinn-registry.js';
import { AltinnRouter, pathSegments } from './altinn-router.js';
import { AltinnStats, type AltinnStatsView } from './altinn-stats.js';
import { handleApprovalPage } from './approval/approval-endpoint.js';
import { type Decision, type DecisionOutcome, decide } from './approval/decide.js';
import { AltinnTokenExchange } from './exchange/altinn-exchange.js';
import { exchangeRoutes } from './exchange/altinn-exchange-api.js';
import { requestRoutes } from './requests/request-api.js';
import { respond } from './requests/request-create.js';
import {
  DAY_MS,
  DEFAULT_REQUEST_TIMEOUT_DAYS,
  type RequestTimeoutPolicy,
  type SystemUserRequestRecord,
} from './requests/request-model.js';
import { SystemUserRequestStore } from './requests/request-store.js';
import { systemRegisterRoutes } from './system-register/system-register-api.js';
import { systemUserRoutes } from './system-users/systemuser-api.js';

const API_PREFIX = '/authentication/api/v1/';
const CONFIRM_PATH = '/am/accessmanagement/ui/systemuser/';
const ROUTES: AltinnRoute[] = [
  ...systemRegisterRoutes,
  ...requestRoutes,
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
  /** Default 10 (Altinn's docs). */
  requestTimeoutDays?: number;
  /** Default `flag` (Altinn's code since Nov 2025); see `RequestTimeoutPolicy`. */
  timeoutMarks?: RequestTimeoutPolicy['marks'];
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
  readonly #stats = new AltinnStats();
  readonly #router = new AltinnRouter(ROUTES);
  readonly #options: AltinnSimulatorOptions;
  readonly #clock: Clock;
  readonly #deps: AltinnDeps;
  #policy: RequestTimeoutPolicy;
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
    this.#policy = timeoutPolicy(options.requestTimeoutDays, options.timeoutMarks ?? 'flag');
    this.#pageSize = pageSize(options.pageSize ?? DEFAULT_PAGE_SIZE);
    const maskinporten = { issuer: options.maskinporten.issuer, jwks: options.maskinporten.jwks() };
    const altinn = { issuer: exchange.issuer, jwks: exchange.jwks() };
    this.#deps = {
      registry: options.registry,
      requests: this.requests,
      clock: this.#clock,
      platformUrl: this.platformUrl,
      apiBase: this.apiBase,
      confirmUrl: (record) => this.confirmUrl(record),
      policy: () => this.#policy,
      pageSize: () => this.#pageSize,
      exchange,
      vendorTokens: new BearerVerifier([maskinporten, altinn], this.#clock),
      maskinportenTokens: new BearerVerifier([maskinporten], this.#clock),
      onExchange: () => {
        this.#stats.tokensExchanged += 1;
      },
    };
  }

  /** `GET {platform}/authentication/api/v1/exchange/maskinporten`. */
  get exchangeUrl(): string {
    return `${this.apiBase}exchange/maskinporten`;
  }

  /** Where a request's customer approves it (Altinn's `confirmUrl` shape, on the sandbox's origin). */
  confirmUrl(record: Pick<SystemUserRequestRecord, 'id' | 'type'>): string {
    const page = record.type === 'agent' ? 'agentrequest' : 'request';
    const { origin, basePath } = this.#options;
    return `${origin}${basePath}${CONFIRM_PATH}${page}?id=${record.id}&DONTCHOOSEREPORTEE=true`;
  }

  /** Requests time out after `days` (fractions allowed); `marks` as in `RequestTimeoutPolicy`. */
  setRequestTimeout(days: number, marks: RequestTimeoutPolicy['marks'] = this.#policy.marks): void {
    this.#policy = timeoutPolicy(days, marks);
  }

  setPageSize(size: number): void {
    this.#pageSize = pageSize(size);
  }

  /** A request as the vendor API shows it (status and `timedOut` applied), or undefined. */
  getRequest(id: string): Record<string, unknown> | undefined {
    const record = this.requests.get(id);
    return record ? respond(this.#deps, record) : undefined;
  }

  /** The customer's decision without the page, e.g. for tests of a vendor flow. */
  decide(id: string, decision: Decision): DecisionOutcome {
    const outcome = decide(this.#deps, id, decision);
    if (outcome.ok)
      this.#stats.recordDecision(outcome.request.status === 'Accepted' ? 'accepted' : 'rejected');
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
    if (page !== 'request' && page !== 'agentrequest') return false;
    this.#stats.recordCall(`${req.method} approval`);
    const url = new URL(req.url ?? '/', this.#options.origin);
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

function timeoutPolicy(
  days = DEFAULT_REQUEST_TIMEOUT_DAYS,
  marks: RequestTimeoutPolicy['marks'],
): RequestTimeoutPolicy {
  if (!(days > 0) || days > 3650) throw new Error('request timeout must be 0 < days <= 3650');
  return { afterMs: Math.round(days * DAY_MS), marks };
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
