/** One request a fake `fetch` received. */
export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export type FakeReply =
  | Response
  | { status?: number; body?: unknown; text?: string; headers?: Record<string, string> }
  | Error;

/**
 * A `fetch` that records requests and answers from `reply` (a function of the request, or a queue
 * consumed in order). A thrown `Error` reply is thrown as a fetch rejection.
 */
export function fakeFetch(
  reply: ((request: RecordedRequest) => FakeReply | Promise<FakeReply>) | FakeReply[],
) {
  const requests: RecordedRequest[] = [];
  const queue = Array.isArray(reply) ? [...reply] : undefined;
  const fn = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const request: RecordedRequest = {
      url: String(input),
      method: init.method ?? 'GET',
      headers,
      ...(typeof init.body === 'string' ? { body: init.body } : {}),
    };
    requests.push(request);
    const answer = queue
      ? queue.shift()
      : await (reply as (r: RecordedRequest) => FakeReply | Promise<FakeReply>)(request);
    if (answer === undefined)
      throw new Error(`unexpected request ${request.method} ${request.url}`);
    if (answer instanceof Error) throw answer;
    if (answer instanceof Response) return answer;
    const text = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
    const contentType = answer.text === undefined ? 'application/json' : 'text/plain';
    return new Response(text === '' && answer.status === 204 ? null : text, {
      status: answer.status ?? 200,
      headers: { 'content-type': contentType, ...answer.headers },
    });
  }) as typeof fetch;
  return { fetch: fn, requests };
}

/** A fetch rejection like undici's for a refused connection. */
export function connectionRefused(): Error {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  });
}

/** A fetch rejection like undici's for a reset connection (the request may have been sent). */
export function connectionReset(): Error {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
  });
}
