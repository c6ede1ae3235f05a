import type { IncomingMessage, ServerResponse } from 'node:http';
import { mediaType, readBody } from '../http/http-io.js';
import { AltinnProblem, httpProblem, VLD, validationProblem } from './altinn-problem.js';

/** Altinn's request bodies are small; anything above this is refused with 413. */
export const ALTINN_BODY_LIMIT_BYTES = 64 * 1024;

/** What a vendor-API handler answers; errors are thrown as `AltinnProblem`. */
export interface AltinnReply {
  status: number;
  /** Serialised as JSON (ASP.NET's camelCase output; `undefined` members are omitted). */
  json?: unknown;
  /** Sent as is, with `contentType`. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type JsonObject = Record<string, unknown>;

/**
 * Reads a JSON request body the way ASP.NET binds it: `application/json` (or `+json`) only (415
 * otherwise), at most 64 KiB (413), and property names matched case-insensitively, which the
 * sandbox does by lower-casing every key. Malformed JSON is a `STD-00000` problem.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = mediaType(req);
  if (type !== 'application/json' && !type.endsWith('+json')) {
    req.resume();
    throw httpProblem(415, 'Send application/json');
  }
  const read = await readBody(req, ALTINN_BODY_LIMIT_BYTES);
  if (!read.ok) {
    if (read.reason === 'too_large') throw httpProblem(413);
    if (read.reason === 'aborted') throw new AltinnProblem(400, 'Request aborted');
    throw validationProblem([VLD.jsonError(['/'])]);
  }
  try {
    return lowerKeys(JSON.parse(read.body));
  } catch {
    throw validationProblem([VLD.jsonError(['/'])]);
  }
}

/** A deep copy with every object key lower-cased (later duplicates win, like System.Text.Json). */
export function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [key, member] of Object.entries(value)) out[key.toLowerCase()] = lowerKeys(member);
    return out;
  }
  return value;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Altinn trims every string of a request model (`TrimStringsActionFilter`). */
export function trimmedString(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

/** Sends a reply: JSON as `application/json; charset=utf-8`, never cached. */
export function sendReply(res: ServerResponse, reply: AltinnReply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = {
    'cache-control': 'no-store',
    ...reply.headers,
  };
  let body = '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] = 'application/json; charset=utf-8';
  } else if (reply.text !== undefined) {
    body = reply.text;
    headers['content-type'] = reply.contentType ?? 'text/plain; charset=utf-8';
  }
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(reply.status, headers);
  res.end(body);
}

/**
 * Sends an `application/problem+json` body, or for `Forbid()` the bare status. A 401 from the
 * authentication handler carries a Bearer challenge like ASP.NET's; a controller's does not.
 */
export function sendProblem(res: ServerResponse, problem: AltinnProblem): void {
  if (res.headersSent || res.destroyed) return;
  if (problem.noBody) {
    res.writeHead(problem.status, { 'cache-control': 'no-store', 'content-length': 0 }).end();
    return;
  }
  const body = JSON.stringify(problem.body);
  res.writeHead(problem.status, {
    'content-type': 'application/problem+json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...(problem.challenge ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {}),
  });
  res.end(body);
}

/**
 * An action's `Ok(string)` / `BadRequest(string)`: ASP.NET writes a string as `text/plain`
 * unless the client asks for JSON only, then as a JSON string (its output-formatter order).
 */
export function stringResult(req: IncomingMessage, status: number, text: string): AltinnReply {
  if (acceptsOnlyJson(req.headers.accept)) return { status, json: text };
  return { status, text, contentType: 'text/plain; charset=utf-8' };
}

function acceptsOnlyJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.split(';')[0]?.trim().toLowerCase());
  return (
    types.includes('application/json') &&
    !types.some((t) => t === 'text/plain' || t === '*/*' || t === 'text/*')
  );
}
