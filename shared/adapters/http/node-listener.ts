import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CallerIdentity } from '../../domain/caller-policy.js';
import { BrokerError } from '../../domain/errors.js';
import {
  type ApiHandler,
  type ApiRequest,
  type ApiResponse,
  MAX_BODY_BYTES,
} from '../../http/api-types.js';
import { toErrorResponse } from '../../http/error-response.js';
import { jsonResponse } from '../../http/responses.js';
import { type BodyWatch, createBodyWatch } from './body-watch.js';
import { lingerOnClose } from './lingering-close.js';

export interface NodeListenerOptions {
  /** Who is calling; the local server decides (see `localCallerResolver`). */
  resolveCaller: (request: IncomingMessage) => CallerIdentity | undefined;
  /** Gets the first look at each request (the sandbox); returns true if it answered. */
  intercept?: (request: IncomingMessage, response: ServerResponse) => boolean;
  maxBodyBytes?: number;
  /**
   * Which names `Host` may give (lower case, IPv6 in brackets): a request for any other name is
   * refused. A server reached under a name it does not know is being reached through DNS
   * rebinding (a web page in a browser talking to the broker under the page's own name).
   * Absent: any name.
   */
  hostNames?: HostNames;
  /**
   * How long a body may take to arrive once the headers have (default 5 s). Node's own
   * `requestTimeout` does not cover every request: with `Connection: Upgrade` and a broken chunked
   * body its parser stops without an error or a timeout, and the connection would hang.
   */
  bodyTimeoutMs?: number;
}

/** The `Host` names a server answers to, and how to say so in a refusal. */
export interface HostNames {
  allows(hostname: string): boolean;
  /** Completes "the Host header must name ...": `this loopback server (localhost, ...)`. */
  description: string;
}

/** Shared by every request without a query string (the hot token path); routes only read it. */
const NO_QUERY: URLSearchParams = new URLSearchParams();

/**
 * Adapts node:http to the broker API: reads the body up to the limit (and stops reading past it),
 * hands over a transport-neutral request, and writes the answer with its `content-length` (one
 * write, no chunked framing). The hit path is kept to what node:http itself needs: callbacks
 * instead of promises, and an answer the API has at once is written at once.
 */
export function createNodeListener(api: ApiHandler, options: NodeListenerOptions) {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const bodyWatch = createBodyWatch(options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
  // A client sends the same Host on every request: the last one found acceptable is not re-parsed.
  let acceptedHost: string | undefined;
  return (request: IncomingMessage, response: ServerResponse): void => {
    const host = request.headers.host;
    const refused =
      host !== undefined && host === acceptedHost
        ? undefined
        : refuseHost(request, options.hostNames);
    if (!refused && host !== undefined) acceptedHost = host;
    if (refused) {
      answerAndClose(request, response, toErrorResponse(refused));
      return;
    }
    if (options.intercept?.(request, response)) return;
    readBody(
      request,
      maxBodyBytes,
      bodyWatch,
      (body, tooLarge) => {
        const url = request.url ?? '/';
        const queryStart = url.indexOf('?');
        const apiRequest: ApiRequest = {
          method: request.method ?? 'GET',
          path: queryStart === -1 ? url : url.slice(0, queryStart),
          query: queryStart === -1 ? NO_QUERY : new URLSearchParams(url.slice(queryStart + 1)),
          headers: request.headers as Record<string, string | undefined>,
          caller: options.resolveCaller(request),
          // Always both, so every request object has one shape.
          body,
          bodyTooLarge: tooLarge,
        };
        let answer: ApiResponse | Promise<ApiResponse>;
        try {
          answer = api(apiRequest);
        } catch {
          failInternally(response);
          return;
        }
        if (answer instanceof Promise) {
          answer.then(
            (settled) => writeAnswer(request, response, settled, tooLarge),
            () => failInternally(response),
          );
        } else {
          writeAnswer(request, response, answer, tooLarge);
        }
      },
      (timedOut) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        if (timedOut) {
          const late = jsonResponse(408, {
            error: 'invalid_request',
            error_description: 'the request body did not arrive in time',
          });
          answerAndClose(request, response, late);
          // The parser may have stopped reading; Node would keep the socket waiting for it.
          response.once('finish', () => request.socket.destroy());
          return;
        }
        const unreadable = new BrokerError('invalid_request', 'the request body could not be read');
        answerAndClose(request, response, toErrorResponse(unreadable));
      },
    );
  };
}

/**
 * The answer with its length: node:http then sends head and body in one write, unchunked. A
 * refused oversized upload is answered and the connection closed (`answerAndClose`).
 */
function writeAnswer(
  request: IncomingMessage,
  response: ServerResponse,
  answer: ApiResponse,
  tooLarge: boolean,
): void {
  try {
    if (tooLarge) {
      answerAndClose(request, response, answer);
      return;
    }
    response.writeHead(answer.status, withLength(answer));
    response.end(answer.body);
  } catch {
    failInternally(response);
  }
}

/** The answer's headers with `content-length` (RFC 9110 §8.6: never on a 204 or a 1xx). */
function withLength(answer: ApiResponse): OutgoingHttpHeaders {
  if (answer.status < 200 || answer.status === 204) return { ...answer.headers };
  const length = Buffer.byteLength(answer.body);
  // Answers that share their headers (a hot token's) share the copy too, while the length holds.
  const known = withLengthCopies.get(answer.headers);
  if (known?.['content-length'] === length) return known;
  const headers: OutgoingHttpHeaders = { ...answer.headers, 'content-length': length };
  withLengthCopies.set(answer.headers, headers);
  return headers;
}

/** The last copy of each headers object with `content-length`; Node only reads them. */
const withLengthCopies = new WeakMap<object, OutgoingHttpHeaders>();

function failInternally(response: ServerResponse): void {
  if (!response.headersSent) {
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"error":"server_error","error_description":"internal error"}');
  } else {
    response.destroy();
  }
}

/**
 * Answers a request whose body the broker will not read (too large, broken off, or for a Host it
 * refuses) and ends the connection, in this order: the answer goes out with `connection: close`,
 * then the FIN, and meanwhile and after it what the client still sends is read and dropped until
 * the client closes (see {@link lingerOnClose}). A socket closed with unread bytes is reset, and
 * a reset can discard the answer before the client reads it: it would see a broken connection
 * instead of the 413.
 */
function answerAndClose(
  request: IncomingMessage,
  response: ServerResponse,
  answer: ApiResponse,
): void {
  request.resume();
  lingerOnClose(request.socket);
  response.writeHead(answer.status, { ...withLength(answer), connection: 'close' });
  response.end(answer.body);
}

/** `Host` is required in HTTP/1.1 (RFC 9112 §3.2), and must be a name the server answers to. */
function refuseHost(
  request: IncomingMessage,
  names: HostNames | undefined,
): BrokerError | undefined {
  const host = request.headers.host;
  if (host === undefined) {
    return request.httpVersion === '1.1'
      ? new BrokerError('invalid_request', 'the Host header is required')
      : undefined;
  }
  if (!names) return undefined;
  const hostname =
    (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]) ?? '';
  if (names.allows(hostname.toLowerCase())) return undefined;
  return new BrokerError('access_denied', `the Host header must name ${names.description}`);
}

/**
 * Node answers some requests itself, before any listener sees them: unparsable ones (400, 431),
 * slow ones (408), an `Expect` other than 100-continue (417) and CONNECT (connection dropped).
 * Its answers have empty bodies; the broker's contract is a JSON `{error, error_description}`
 * for every failure, so answer those here.
 */
export function guardNodeServer(server: Server): void {
  // A client that sends its request and half-closes still gets its answer. Without this, Node
  // ends the socket at the client's FIN, and a request its parser had stopped on (an Upgrade
  // with a broken chunked body) went unanswered. Node 20 and 24 read this server property.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const [status, description] = CLIENT_ERRORS[error.code ?? ''] ?? [
      400,
      'the request is not valid HTTP/1.1',
    ];
    const neverAnswered = (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0;
    if (error.code !== 'ECONNRESET' && socket.writable && neverAnswered) {
      // An answer to HEAD has no body; the bytes Node failed on tell whether it was one.
      const head =
        (error as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
      socket.end(rawJsonResponse(status, description, head));
      socket.once('finish', () => socket.destroy());
    } else {
      socket.destroy();
    }
  });
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    const answer = jsonResponse(417, {
      error: 'invalid_request',
      error_description: 'only "Expect: 100-continue" is supported',
    });
    response.writeHead(answer.status, { ...answer.headers, connection: 'close' });
    response.end(answer.body);
  });
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.end(rawJsonResponse(405, 'CONNECT is not supported'));
    socket.once('finish', () => socket.destroy());
  });
}

const CLIENT_ERRORS: Readonly<Record<string, [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'the request headers are too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'the chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time'],
};

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
};

function rawJsonResponse(status: number, description: string, headOnly = false): string {
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    ...Object.entries(jsonResponse(status, null).headers).map(
      ([name, value]) => `${name}: ${value}`,
    ),
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  return `${head.join('\r\n')}\r\n\r\n${headOnly ? '' : body}`;
}

const DEFAULT_BODY_TIMEOUT_MS = 5_000;

/**
 * Reads the body up to `limit` bytes and calls `done` once: with the bytes, or with `tooLarge`
 * (then it stops reading); or `failed` once if the body does not arrive in the watch's time
 * (`timedOut`) or the stream breaks off before its end.
 */
function readBody(
  request: IncomingMessage,
  limit: number,
  watch: BodyWatch,
  done: (body: Uint8Array | undefined, tooLarge: boolean) => void,
  failed: (timedOut: boolean) => void,
): void {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) {
    done(undefined, true);
    return;
  }
  if (request.method === 'GET' || request.method === 'HEAD') {
    if (declared === 0 && request.headers['transfer-encoding'] === undefined) {
      request.resume();
      done(undefined, false);
      return;
    }
  }
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let total = 0;
  let settled = false;
  const read = watch.start(() => {
    if (settled) return;
    settled = true;
    failed(true);
  });
  request.on('data', (chunk: Buffer) => {
    if (settled) return;
    total += chunk.length;
    if (total > limit) {
      settled = true;
      watch.end(read);
      request.pause();
      done(undefined, true);
      return;
    }
    if (!first) first = chunk;
    else if (chunks) chunks.push(chunk);
    else chunks = [first, chunk];
  });
  // `on`, not `once`: `settled` already makes each run at most once, and `once` wraps each.
  request.on('end', () => {
    if (settled) return;
    settled = true;
    watch.end(read);
    done(chunks ? Buffer.concat(chunks) : first, false);
  });
  request.on('error', () => {
    if (settled) return;
    settled = true;
    watch.end(read);
    failed(false);
  });
}
