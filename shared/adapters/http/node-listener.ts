import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CallerIdentity } from '../../domain/caller-policy.js';
import { BrokerError } from '../../domain/errors.js';
import { isLoopbackHost } from '../../domain/secure-url.js';
import {
  type ApiHandler,
  type ApiRequest,
  type ApiResponse,
  MAX_BODY_BYTES,
} from '../../http/api-types.js';
import { toErrorResponse } from '../../http/error-response.js';
import { jsonResponse } from '../../http/responses.js';

export interface NodeListenerOptions {
  /** Who is calling; the local server decides (see `localCallerResolver`). */
  resolveCaller: (request: IncomingMessage) => CallerIdentity | undefined;
  /** Gets the first look at each request (the sandbox); returns true if it answered. */
  intercept?: (request: IncomingMessage, response: ServerResponse) => boolean;
  maxBodyBytes?: number;
  /**
   * Refuse requests whose `Host` names anything but a loopback address: a server on loopback is
   * reached as localhost, so another name means DNS rebinding (a web page in the developer's
   * browser talking to the broker under its own name).
   */
  loopbackHostOnly?: boolean;
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
  const loopbackHostOnly = options.loopbackHostOnly ?? false;
  // A client sends the same Host on every request: the last one found acceptable is not re-parsed.
  let acceptedHost: string | undefined;
  return (request: IncomingMessage, response: ServerResponse): void => {
    const host = request.headers.host;
    const refused =
      host !== undefined && host === acceptedHost
        ? undefined
        : refuseHost(request, loopbackHostOnly);
    if (!refused && host !== undefined) acceptedHost = host;
    if (refused) {
      request.resume();
      const answer = toErrorResponse(refused);
      response.writeHead(answer.status, { ...answer.headers, connection: 'close' });
      response.end(answer.body);
      return;
    }
    if (options.intercept?.(request, response)) return;
    readBody(request, maxBodyBytes, (body, tooLarge) => {
      const url = request.url ?? '/';
      const queryStart = url.indexOf('?');
      const apiRequest: ApiRequest = {
        method: request.method ?? 'GET',
        path: queryStart === -1 ? url : url.slice(0, queryStart),
        query: queryStart === -1 ? NO_QUERY : new URLSearchParams(url.slice(queryStart + 1)),
        headers: request.headers as Record<string, string | undefined>,
        caller: options.resolveCaller(request),
      };
      if (body) apiRequest.body = body;
      if (tooLarge) apiRequest.bodyTooLarge = true;
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
    });
  };
}

/** The answer with its length: node:http then sends head and body in one write, unchunked. */
function writeAnswer(
  request: IncomingMessage,
  response: ServerResponse,
  answer: ApiResponse,
  tooLarge: boolean,
): void {
  try {
    const headers: OutgoingHttpHeaders = { ...answer.headers };
    // RFC 9110 §8.6: no Content-Length on a 204 (nor a 1xx).
    if (answer.status >= 200 && answer.status !== 204) {
      headers['content-length'] = Buffer.byteLength(answer.body);
    }
    response.writeHead(answer.status, headers);
    response.end(answer.body);
  } catch {
    failInternally(response);
    return;
  }
  // A refused oversized upload is not drained: close instead of reading the rest.
  if (tooLarge) request.destroy();
}

function failInternally(response: ServerResponse): void {
  if (!response.headersSent) {
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"error":"server_error","error_description":"internal error"}');
  } else {
    response.destroy();
  }
}

/** `Host` is required in HTTP/1.1 (RFC 9112 §3.2); on a loopback server it must name loopback. */
function refuseHost(request: IncomingMessage, loopbackOnly: boolean): BrokerError | undefined {
  const host = request.headers.host;
  if (host === undefined) {
    return request.httpVersion === '1.1'
      ? new BrokerError('invalid_request', 'the Host header is required')
      : undefined;
  }
  if (!loopbackOnly) return undefined;
  const hostname =
    (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]) ?? '';
  if (isLoopbackHost(hostname.toLowerCase())) return undefined;
  return new BrokerError(
    'access_denied',
    'the Host header must name this loopback server (localhost, 127.0.0.1 or [::1])',
  );
}

/**
 * Node answers some requests itself, before any listener sees them: unparsable ones (400, 431),
 * slow ones (408), an `Expect` other than 100-continue (417) and CONNECT (connection dropped).
 * Its answers have empty bodies; the broker's contract is a JSON `{error, error_description}`
 * for every failure, so answer those here.
 */
export function guardNodeServer(server: Server): void {
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

/**
 * Reads the body up to `limit` bytes and calls `done` once: with the bytes, or with `tooLarge`
 * (then it stops reading). A stream error ends the request without a call: the socket is gone.
 */
function readBody(
  request: IncomingMessage,
  limit: number,
  done: (body: Uint8Array | undefined, tooLarge: boolean) => void,
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
  let over = false;
  request.on('data', (chunk: Buffer) => {
    if (over) return;
    total += chunk.length;
    if (total > limit) {
      over = true;
      request.pause();
      done(undefined, true);
      return;
    }
    if (!first) first = chunk;
    else if (chunks) chunks.push(chunk);
    else chunks = [first, chunk];
  });
  request.once('end', () => {
    if (!over) done(chunks ? Buffer.concat(chunks) : first, false);
  });
}
