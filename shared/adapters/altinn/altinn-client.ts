import type { SystemUserType } from '../../domain/system-user-request.js';
import {
  type AltinnChangeRequest,
  AltinnError,
  type AltinnSystem,
  type AltinnSystemUser,
  type AltinnSystemUserRequest,
  type AltinnTokenExchangeApi,
  type AltinnTokenProvider,
  type AltinnVendorApi,
  type ChangeRequestBody,
  type ChangeRequestIds,
  type CreatedChangeRequest,
  type CreatedSystemUserRequest,
  type CreateSystemUserRequestBody,
  type ListPage,
  type SystemUserKey,
} from '../../ports/altinn.js';
import type { Deadline } from '../../ports/deadline.js';
import {
  isObject,
  parseJsonText,
  readChangeRequest,
  readPage,
  readSystemUser,
  readSystemUserRequest,
} from './altinn-json.js';
import { ALTINN_SCOPES } from './altinn-scopes.js';
import {
  type AltinnAnswer,
  type AltinnCall,
  AltinnTransport,
  type AltinnTransportOptions,
} from './altinn-transport.js';

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const CHANGE_REQUESTS = 'systemuser/changerequest/vendor';

export interface AltinnClientOptions extends AltinnTransportOptions {
  /** A vendor Maskinporten token for the scopes (the runtime binds it to the broker's cache). */
  tokenProvider: AltinnTokenProvider;
  /** Pages followed in a paginated list before giving up (default 100). */
  maxPages?: number;
}

/**
 * Altinn's system-register, system-user-request and system-user vendor APIs, and the Maskinporten
 * token exchange, over HTTP. Each vendor call carries a vendor Maskinporten token with that
 * endpoint's scope (`ALTINN_SCOPES`).
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemregister/
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuser/external/
 */
export class AltinnHttpClient implements AltinnVendorApi, AltinnTokenExchangeApi {
  readonly #transport: AltinnTransport;
  readonly #tokens: AltinnTokenProvider;
  readonly #maxPages: number;

  constructor(options: AltinnClientOptions) {
    this.#transport = new AltinnTransport(options);
    this.#tokens = options.tokenProvider;
    this.#maxPages = options.maxPages ?? 100;
  }

  /** Altinn answers 200 with the new system's internal id as a JSON string. */
  async createSystem(system: AltinnSystem, deadline: Deadline): Promise<string> {
    const { text } = await this.#call(
      { method: 'POST', path: 'systemregister/vendor', body: system },
      ALTINN_SCOPES.systemRegisterWrite,
      deadline,
    );
    const parsed = parseJsonText(text);
    return typeof parsed === 'string' ? parsed : text.trim();
  }

  async updateSystem(systemId: string, system: AltinnSystem, deadline: Deadline): Promise<unknown> {
    const path = `systemregister/vendor/${segment(systemId)}`;
    const { text } = await this.#call(
      { method: 'PUT', path, body: system },
      ALTINN_SCOPES.systemRegisterWrite,
      deadline,
    );
    return parseJsonText(text) ?? (text.trim() || undefined);
  }

  async getSystem(systemId: string, deadline: Deadline): Promise<AltinnSystem | undefined> {
    const path = `systemregister/vendor/${segment(systemId)}`;
    const answer = await notFoundAsUndefined(
      this.#call({ method: 'GET', path }, ALTINN_SCOPES.systemRegisterWrite, deadline),
    );
    if (!answer) return undefined;
    const parsed = parseJsonText(answer.text);
    if (!isObject(parsed)) throw malformed(answer, 'a system that is not a JSON object');
    return parsed;
  }

  async listSystems(deadline: Deadline): Promise<AltinnSystem[]> {
    const answer = await this.#call(
      { method: 'GET', path: 'systemregister/vendor' },
      ALTINN_SCOPES.systemRegisterWrite,
      deadline,
    );
    const parsed = parseJsonText(answer.text);
    const list = Array.isArray(parsed) ? parsed : readPage(parsed)?.data;
    if (!list) throw malformed(answer, 'a system list that is not a JSON array');
    return list.filter(isObject);
  }

  /** 201: a new request; 200: Altinn's existing request for (system, org, externalRef). */
  async createRequest(
    type: SystemUserType,
    body: CreateSystemUserRequestBody,
    deadline: Deadline,
  ): Promise<CreatedSystemUserRequest> {
    const path = type === 'agent' ? 'systemuser/request/vendor/agent' : 'systemuser/request/vendor';
    const answer = await this.#call(
      { method: 'POST', path, body },
      ALTINN_SCOPES.requestWrite,
      deadline,
    );
    return { created: answer.status === 201, request: requestFrom(answer) };
  }

  async getRequest(
    type: SystemUserType,
    requestId: string,
    deadline: Deadline,
  ): Promise<AltinnSystemUserRequest> {
    const path = `systemuser/request/vendor/${agentSegment(type)}${segment(requestId)}`;
    return requestFrom(
      await this.#call({ method: 'GET', path }, ALTINN_SCOPES.requestRead, deadline),
    );
  }

  async getRequestByExternalRef(
    type: SystemUserType,
    key: SystemUserKey,
    deadline: Deadline,
  ): Promise<AltinnSystemUserRequest> {
    const path = `systemuser/request/vendor/${agentSegment(type)}byexternalref/${keySegments(key)}`;
    return requestFrom(
      await this.#call({ method: 'GET', path }, ALTINN_SCOPES.requestRead, deadline),
    );
  }

  listRequests(
    type: SystemUserType,
    systemId: string,
    deadline: Deadline,
  ): Promise<AltinnSystemUserRequest[]> {
    const path = `systemuser/request/vendor/${agentSegment(type)}bysystem/${segment(systemId)}`;
    return this.#pages(path, ALTINN_SCOPES.requestRead, readSystemUserRequest, deadline);
  }

  async deleteRequest(requestId: string, deadline: Deadline): Promise<void> {
    const path = `systemuser/request/vendor/${segment(requestId)}`;
    await this.#call({ method: 'DELETE', path }, ALTINN_SCOPES.requestWrite, deadline);
  }

  async findSystemUser(
    key: SystemUserKey,
    deadline: Deadline,
  ): Promise<AltinnSystemUser | undefined> {
    const query = { 'system-id': key.systemId, orgno: key.orgNo, 'external-ref': key.externalRef };
    const answer = await notFoundAsUndefined(
      this.#call(
        { method: 'GET', path: 'systemuser/vendor/byquery', query },
        ALTINN_SCOPES.requestWrite,
        deadline,
      ),
    );
    if (!answer) return undefined;
    const user = readSystemUser(parseJsonText(answer.text));
    if (!user) throw malformed(answer, 'a system user without id, systemId or reporteeOrgNo');
    return user;
  }

  listSystemUsers(systemId: string, deadline: Deadline): Promise<AltinnSystemUser[]> {
    return this.#pages(
      `systemuser/vendor/bysystem/${segment(systemId)}`,
      ALTINN_SCOPES.systemRegisterWrite,
      readSystemUser,
      deadline,
    );
  }

  /**
   * 201: a new change request; 200: Altinn's existing one for this correlation id, or
   * `NoChangeNeeded` (four empty lists, not stored). The correlation id becomes its id.
   *
   * @see https://docs.altinn.studio/api/authentication/systemuserapi/changerequest/
   */
  async createChangeRequest(
    ids: ChangeRequestIds,
    body: ChangeRequestBody,
    deadline: Deadline,
  ): Promise<CreatedChangeRequest> {
    const query = { 'correlation-id': ids.correlationId, 'system-user-id': ids.systemUserId };
    const answer = await this.#call(
      { method: 'POST', path: CHANGE_REQUESTS, query, body },
      ALTINN_SCOPES.requestWrite,
      deadline,
    );
    return { created: answer.status === 201, changeRequest: changeRequestFrom(answer) };
  }

  async getChangeRequest(requestId: string, deadline: Deadline): Promise<AltinnChangeRequest> {
    const path = `${CHANGE_REQUESTS}/${segment(requestId)}`;
    return changeRequestFrom(
      await this.#call({ method: 'GET', path }, ALTINN_SCOPES.requestRead, deadline),
    );
  }

  async getChangeRequestByExternalRef(
    key: SystemUserKey,
    deadline: Deadline,
  ): Promise<AltinnChangeRequest> {
    const path = `${CHANGE_REQUESTS}/byexternalref/${keySegments(key)}`;
    return changeRequestFrom(
      await this.#call({ method: 'GET', path }, ALTINN_SCOPES.requestRead, deadline),
    );
  }

  /** One call: Altinn's `next` link for this list answers the first page again (reference §5). */
  async firstChangeRequestPage(
    systemId: string,
    deadline: Deadline,
  ): Promise<ListPage<AltinnChangeRequest>> {
    const path = `${CHANGE_REQUESTS}/bysystem/${segment(systemId)}`;
    const answer = await this.#call({ method: 'GET', path }, ALTINN_SCOPES.requestRead, deadline);
    const page = readPage(parseJsonText(answer.text));
    if (!page) throw malformed(answer, 'a page without a data array');
    const items = page.data.map(readChangeRequest);
    if (items.some((item) => item === undefined)) {
      throw malformed(answer, 'a list item without its required fields');
    }
    return { items: items as AltinnChangeRequest[], more: page.next !== undefined };
  }

  async deleteChangeRequest(requestId: string, deadline: Deadline): Promise<void> {
    const path = `${CHANGE_REQUESTS}/${segment(requestId)}`;
    await this.#call({ method: 'DELETE', path }, ALTINN_SCOPES.requestWrite, deadline);
  }

  /**
   * `GET exchange/maskinporten` with the Maskinporten token as the bearer. The body is the Altinn
   * JWT, as `text/plain` or as a JSON string (Altinn's own client asks for JSON): quotes are stripped.
   *
   * @see https://github.com/Altinn/altinn-authentication/blob/main/src/Authentication/Controllers/AuthenticationController.cs
   */
  async exchangeMaskinportenToken(accessToken: string, deadline: Deadline): Promise<string> {
    const answer = await this.#transport.send({
      method: 'GET',
      url: this.#transport.url('exchange/maskinporten'),
      token: accessToken,
      accept: 'application/json, text/plain',
      deadline,
    });
    const parsed = parseJsonText(answer.text);
    const token = (typeof parsed === 'string' ? parsed : answer.text).trim().replace(/^"|"$/g, '');
    if (!JWT_SHAPE.test(token)) throw malformed(answer, 'an exchange answer that is not a JWT');
    return token;
  }

  async #call(call: VendorCall, scope: string, deadline: Deadline): Promise<AltinnAnswer> {
    const token = await this.#tokens([scope], deadline);
    return this.#transport.send({
      method: call.method,
      url: this.#transport.url(call.path, call.query),
      token,
      body: call.body,
      deadline,
    });
  }

  /** Follows `links.next` (opaque, re-based on the platform) until a page has none. */
  async #pages<T>(
    path: string,
    scope: string,
    read: (value: unknown) => T | undefined,
    deadline: Deadline,
  ): Promise<T[]> {
    const token = await this.#tokens([scope], deadline);
    const items: T[] = [];
    const seen = new Set<string>();
    let url = this.#transport.url(path);
    for (let page = 0; page < this.#maxPages; page++) {
      const answer = await this.#transport.send({ method: 'GET', url, token, deadline });
      const parsed = readPage(parseJsonText(answer.text));
      if (!parsed) throw malformed(answer, 'a page without a data array');
      for (const raw of parsed.data) {
        const item = read(raw);
        if (item === undefined) throw malformed(answer, 'a list item without its required fields');
        items.push(item);
      }
      if (!parsed.next) return items;
      url = this.#transport.resolveNext(parsed.next);
      if (seen.has(url)) throw malformed(answer, 'a next link that repeats');
      seen.add(url);
    }
    throw new AltinnError('malformed', `Altinn's list did not end within ${this.#maxPages} pages`);
  }
}

/** One vendor API call: the path under the API base, its query and JSON body. */
interface VendorCall {
  method: AltinnCall['method'];
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

function changeRequestFrom(answer: AltinnAnswer): AltinnChangeRequest {
  const changeRequest = readChangeRequest(parseJsonText(answer.text));
  if (!changeRequest) {
    throw malformed(
      answer,
      'a change request without id, systemId, systemUserId, partyOrgNo or status',
    );
  }
  return changeRequest;
}

function requestFrom(answer: AltinnAnswer): AltinnSystemUserRequest {
  const request = readSystemUserRequest(parseJsonText(answer.text));
  if (!request) throw malformed(answer, 'a request without id, systemId, partyOrgNo or status');
  return request;
}

async function notFoundAsUndefined(call: Promise<AltinnAnswer>): Promise<AltinnAnswer | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof AltinnError && error.kind === 'http' && error.status === 404)
      return undefined;
    throw error;
  }
}

function malformed(answer: AltinnAnswer, what: string): AltinnError {
  return new AltinnError('malformed', `Altinn answered with ${what}`, { status: answer.status });
}

const segment = (value: string) => encodeURIComponent(value);
const agentSegment = (type: SystemUserType) => (type === 'agent' ? 'agent/' : '');
const keySegments = (key: SystemUserKey) =>
  [key.systemId, key.orgNo, key.externalRef ?? key.orgNo].map(segment).join('/');
