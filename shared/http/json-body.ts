import { BrokerError, invalidRequest } from '../domain/errors.js';
import { type ApiRequest, MAX_BODY_BYTES } from './api-types.js';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parses a JSON request body: JSON media type only (415), bounded size (413), valid UTF-8 and valid
 * JSON (400). Deeply nested garbage is bounded by the size limit and refused by the schemas.
 */
export function readJsonBody(request: ApiRequest): unknown {
  const contentType = request.headers['content-type'];
  if (!contentType || !JSON_MEDIA_TYPE.test(contentType)) {
    throw new BrokerError('unsupported_media_type', 'content-type must be application/json');
  }
  if (request.bodyTooLarge || (request.body?.byteLength ?? 0) > MAX_BODY_BYTES) {
    throw new BrokerError('payload_too_large', `the body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  if (!request.body || request.body.byteLength === 0) throw invalidRequest('the body is empty');
  let text: string;
  try {
    text = utf8.decode(request.body);
  } catch {
    throw invalidRequest('the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest('the body is not valid JSON');
  }
}
