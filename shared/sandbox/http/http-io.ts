import type { IncomingMessage, ServerResponse } from 'node:http';

export type BodyResult =
  | { ok: true; body: string }
  | { ok: false; reason: 'too_large' | 'aborted' | 'invalid_utf8' };

/**
 * Reads the request body as UTF-8, giving up at `limit` bytes (checked against `Content-Length`
 * first, then while streaming) so a huge or endless body cannot exhaust memory.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve({ ok: false, reason: 'too_large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        settle({ ok: false, reason: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      try {
        settle({
          ok: true,
          body: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)),
        });
      } catch {
        settle({ ok: false, reason: 'invalid_utf8' });
      }
    });
    req.once('error', () => settle({ ok: false, reason: 'aborted' }));
    req.once('close', () => settle({ ok: false, reason: 'aborted' }));
  });
}

/** Sends JSON, `no-store` unless `headers` say otherwise (a token response must not be cached). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'cache-control': 'no-store',
    ...headers,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Answers 413 and closes the connection: the rest of an oversized body is discarded by Node
 * rather than read.
 */
export function sendTooLarge(res: ServerResponse, error: string): void {
  sendJson(
    res,
    413,
    { error, error_description: 'Request body too large' },
    { connection: 'close' },
  );
}

export function sendMethodNotAllowed(res: ServerResponse, allow: string): void {
  sendJson(
    res,
    405,
    { error: 'invalid_request', error_description: `Method not allowed; use ${allow}` },
    { allow },
  );
}

/** The media type of a request, lower-case and without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

const CONTROL_BODY_LIMIT_BYTES = 96 * 1024;

/**
 * Reads a control-API body: `application/json` (415 otherwise), at most 96 KiB (413), UTF-8 JSON
 * (400 otherwise). On failure the answer has been sent and `ok` is false.
 */
export async function readControlJson(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const invalid = (description: string) => ({
    error: 'invalid_request',
    error_description: description,
  });
  if (mediaType(req) !== 'application/json') {
    req.resume();
    sendJson(res, 415, invalid('Send application/json'));
    return { ok: false };
  }
  const read = await readBody(req, CONTROL_BODY_LIMIT_BYTES);
  if (!read.ok) {
    if (read.reason === 'too_large') sendTooLarge(res, 'invalid_request');
    else if (read.reason === 'invalid_utf8') sendJson(res, 400, invalid('Body must be UTF-8'));
    return { ok: false };
  }
  try {
    return { ok: true, value: JSON.parse(read.body) };
  } catch {
    sendJson(res, 400, invalid('Body must be JSON'));
    return { ok: false };
  }
}
