import { BrokerError, invalidRequest } from '../domain/errors.js';
import { type ApiRequest, MAX_BODY_BYTES } from './api-types.js';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses a JSON request body: JSON media type only (415), bounded size (413), valid UTF-8 and valid
 * JSON (400). Deeply nested garbage is bounded by the size limit and refused by the schemas.
 */
export function readJsonBody(request: ApiRequest): unknown {
  requireJsonRequest(request);
  return parseJsonBytes(request.body as Uint8Array);
}

/** Bodies longer than this are parsed every time, never remembered. */
export const MAX_REMEMBERED_BODY_BYTES = 1024;

/**
 * {@link readJsonBody} and then `parse`, remembered per distinct body. A service that asks for the
 * same token sends the same bytes every time, and decoding, validating and normalising them again
 * was most of a cache hit's work. The media type and size are still checked on every request (they
 * are not in the body); only bodies that parse are remembered, up to `maxEntries` of at most
 * {@link MAX_REMEMBERED_BODY_BYTES} bytes (the oldest is dropped first); and the result is frozen,
 * since every request with that body shares it.
 */
export function rememberingBodyParser<T extends object>(
  parse: (body: unknown) => T,
  maxEntries = 1_000,
): (request: ApiRequest) => T {
  const remembered = new Map<string, T>();
  // The last body and its result: a busy caller repeats its body, and comparing bytes is cheaper
  // than making the map's key. A copy, since the request's bytes are not ours to keep.
  let lastBytes: Buffer | undefined;
  let lastParsed: T | undefined;
  return (request) => {
    requireJsonRequest(request);
    const body = request.body as Uint8Array;
    if (body.byteLength > MAX_REMEMBERED_BODY_BYTES) return parse(parseJsonBytes(body));
    // A Buffer (what both transports hand over) is read as it is, without a second view.
    const bytes = Buffer.isBuffer(body)
      ? body
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (lastBytes !== undefined && bytes.equals(lastBytes)) return lastParsed as T;
    // latin1 maps each byte to one character: equal keys are equal bytes.
    const key = bytes.toString('latin1');
    let parsed = remembered.get(key);
    if (parsed === undefined) {
      parsed = deepFreeze(parse(parseJsonBytes(body)));
      if (remembered.size >= maxEntries) {
        remembered.delete(remembered.keys().next().value as string);
      }
      remembered.set(key, parsed);
    }
    lastBytes = Buffer.from(bytes);
    lastParsed = parsed;
    return parsed;
  };
}

/** The last `content-type` found to be JSON: a client sends the same one every time. */
let acceptedContentType = 'application/json';

/** 415 for another media type, 413 over the limit, 400 for no body at all. */
function requireJsonRequest(request: ApiRequest): void {
  const contentType = request.headers['content-type'];
  if (contentType !== acceptedContentType) {
    if (!contentType || !JSON_MEDIA_TYPE.test(contentType)) {
      throw new BrokerError('unsupported_media_type', 'content-type must be application/json');
    }
    acceptedContentType = contentType;
  }
  if (request.bodyTooLarge || (request.body?.byteLength ?? 0) > MAX_BODY_BYTES) {
    throw new BrokerError('payload_too_large', `the body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  if (!request.body || request.body.byteLength === 0) throw invalidRequest('the body is empty');
}

function parseJsonBytes(body: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalidRequest('the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest('the body is not valid JSON');
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null) deepFreeze(field);
  }
  return Object.freeze(value);
}
