import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiHandler, type ApiRequest, type CallerIdentity, MAX_BODY_BYTES } from '../../http/api-types.js';

export interface NodeListenerOptions {
  /** Who is calling; the local server decides (see `localCallerResolver`). */
  resolveCaller: (request: IncomingMessage) => CallerIdentity | undefined;
  /** Gets the first look at each request (the sandbox); returns true if it answered. */
  intercept?: (request: IncomingMessage, response: ServerResponse) => boolean;
  maxBodyBytes?: number;
}

/**
 * Adapts node:http to the broker API: reads the body up to the limit (and stops reading past it),
 * hands over a transport-neutral request, and writes the answer.
 */
export function createNodeListener(api: ApiHandler, options: NodeListenerOptions) {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  return (request: IncomingMessage, response: ServerResponse): void => {
    if (options.intercept?.(request, response)) return;
    readBody(request, maxBodyBytes)
      .then(async ({ body, tooLarge }) => {
        const url = request.url ?? '/';
        const queryStart = url.indexOf('?');
        const apiRequest: ApiRequest = {
          method: request.method ?? 'GET',
          path: queryStart === -1 ? url : url.slice(0, queryStart),
          query: new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)),
          headers: request.headers as Record<string, string | undefined>,
          caller: options.resolveCaller(request),
        };
        if (body) apiRequest.body = body;
        if (tooLarge) apiRequest.bodyTooLarge = true;
        const answer = await api(apiRequest);
        response.writeHead(answer.status, answer.headers);
        response.end(answer.body);
        // A refused oversized upload is not drained: close instead of reading the rest.
        if (tooLarge) request.destroy();
      })
      .catch(() => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end('{"error":"server_error","error_description":"internal error"}');
        } else {
          response.destroy();
        }
      });
  };
}

function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<{ body?: Uint8Array; tooLarge: boolean }> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve({ tooLarge: true });
  if (request.method === 'GET' || request.method === 'HEAD') {
    if (declared === 0 && request.headers['transfer-encoding'] === undefined) {
      request.resume();
      return Promise.resolve({ tooLarge: false });
    }
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        request.off('data', onData);
        request.pause();
        resolve({ tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => {
      if (total <= limit) resolve({ body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), tooLarge: false });
    });
    request.once('error', reject);
  });
}
