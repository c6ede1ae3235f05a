import { requireSecureUrl } from '../../domain/secure-url.js';
import { AltinnError } from '../../ports/altinn.js';
import type { Deadline } from '../../ports/deadline.js';
import { sleep } from '../../ports/deadline.js';
import { fetchFailure, readLimited } from '../upstream-http.js';
import { parseProblemDetails } from './problem-details.js';

const API_PATH = 'authentication/api/v1/';
const MAX_RESPONSE_BYTES = 512 * 1024;
const MAX_ATTEMPTS = 2;
const RETRY_PAUSE_MS = 100;
/** Connection failures that happen before a byte of the request is sent: safe to repeat a POST. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Failures known to have happened before the request left this process. */
const notSent = new WeakSet<AltinnError>();

export interface AltinnTransportOptions {
  /** `https://platform.tt02.altinn.no` (https only outside loopback). */
  platformUrl: string;
  fetch?: typeof fetch;
}

export interface AltinnCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** An absolute URL from `url()` or `resolveNext()`. */
  url: string;
  /** A bearer token: the vendor's Maskinporten token, or the token to exchange. */
  token: string;
  body?: unknown;
  accept?: string;
  /** The request's deadline: it covers the call and its retry. */
  deadline: Deadline;
}

export interface AltinnAnswer {
  status: number;
  text: string;
}

/**
 * HTTP to `{platform}/authentication/api/v1/`: one bearer token per call, aborted at the request's
 * deadline, and one retry where it is safe and time is left: idempotent methods (GET, PUT, DELETE)
 * on network errors, 5xx and 429; a POST only when the connection failed before anything was sent.
 * A non-2xx answer becomes `AltinnError` carrying Altinn's ProblemDetails.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/
 */
export class AltinnTransport {
  readonly #apiBase: URL;
  readonly #fetch: typeof fetch;

  constructor(options: AltinnTransportOptions) {
    const platform = requireSecureUrl(options.platformUrl, 'ALTINN_PLATFORM_URL');
    const base = platform.href.endsWith('/') ? platform.href : `${platform.href}/`;
    this.#apiBase = new URL(API_PATH, base);
    this.#fetch = options.fetch ?? fetch;
  }

  /** `{apiBase}{path}?{query}`; path segments must already be encoded. */
  url(path: string, query: Record<string, string | undefined> = {}): string {
    const url = new URL(path, this.#apiBase);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(name, value);
    return url.href;
  }

  /**
   * Where a paginated answer's `links.next` leads. The link is opaque (its `token` is Altinn's
   * cursor), but Altinn has been seen to hand out absolute `http://internal.platform...` links, so
   * the token never follows a link off the configured platform: such a link keeps its path after
   * `/authentication/api/v1/` and its query, re-based on the platform.
   */
  resolveNext(next: string): string {
    let url: URL;
    try {
      url = new URL(next, this.#apiBase);
    } catch {
      throw new AltinnError('malformed', 'Altinn sent an unreadable next link');
    }
    if (url.origin === this.#apiBase.origin && url.pathname.startsWith(this.#apiBase.pathname))
      return url.href;
    const at = url.pathname.indexOf(`/${API_PATH}`);
    if (at < 0)
      throw new AltinnError('malformed', 'Altinn sent a next link outside its authentication API');
    return new URL(`${url.pathname.slice(at + API_PATH.length + 1)}${url.search}`, this.#apiBase)
      .href;
  }

  async send(call: AltinnCall): Promise<AltinnAnswer> {
    const { deadline } = call;
    let attempt = 0;
    for (;;) {
      attempt++;
      if (deadline.remaining() <= 0)
        throw new AltinnError('timeout', 'no answer from Altinn before the deadline');
      try {
        return await this.#attempt(call, deadline.signal);
      } catch (error) {
        const failure = error as AltinnError;
        const retry =
          attempt < MAX_ATTEMPTS &&
          mayRetry(call.method, failure) &&
          deadline.remaining() > RETRY_PAUSE_MS;
        if (!retry) throw failure;
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }

  async #attempt(call: AltinnCall, signal: AbortSignal): Promise<AltinnAnswer> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${call.token}`,
      accept: call.accept ?? 'application/json',
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(call.url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
        redirect: 'error',
      });
      text = await readBody(response);
    } catch (error) {
      throw transportError(error, signal);
    }
    if (response.status >= 200 && response.status < 300) return { status: response.status, text };
    const problem = parseProblemDetails(text);
    const code = problem.code ? ` ${problem.code}` : '';
    throw new AltinnError('http', `Altinn answered HTTP ${response.status}${code}`, {
      status: response.status,
      problem,
    });
  }
}

function mayRetry(method: AltinnCall['method'], failure: AltinnError): boolean {
  if (!(failure instanceof AltinnError)) return false;
  if (method === 'POST') return notSent.has(failure);
  if (failure.kind === 'network') return true;
  return (
    failure.kind === 'http' &&
    failure.status !== undefined &&
    (failure.status >= 500 || failure.status === 429)
  );
}

function transportError(error: unknown, signal: AbortSignal): AltinnError {
  if (error instanceof AltinnError) return error;
  const failure = fetchFailure(error, signal);
  if (failure.kind === 'timeout') {
    return new AltinnError('timeout', 'no answer from Altinn before the deadline');
  }
  const { code } = failure;
  const network = new AltinnError(
    'network',
    `Altinn could not be reached${code ? ` (${code})` : ''}`,
  );
  if (code && NOT_SENT.has(code)) notSent.add(network);
  return network;
}

/** The body; a too-large success cannot be read, a too-large error is read as "no details". */
async function readBody(response: Response): Promise<string> {
  const text = await readLimited(response, MAX_RESPONSE_BYTES);
  if (text !== undefined) return text;
  if (!response.ok) return '';
  throw new AltinnError('malformed', 'Altinn answered with too large a body', {
    status: response.status,
  });
}
