import { BrokerError, type BrokerErrorKind } from '../domain/errors.js';
import type { ApiResponse } from './api-types.js';
import { jsonResponse } from './responses.js';

const STATUS: Record<BrokerErrorKind, number> = {
  invalid_request: 400,
  access_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upstream_refused: 403,
  upstream_rejected_grant: 502,
  upstream_unavailable: 502,
  upstream_timeout: 504,
  internal: 500,
};

/** RFC 6749 §5.2 codes where one fits; plain HTTP meanings otherwise. */
const ERROR_CODE: Record<BrokerErrorKind, string> = {
  invalid_request: 'invalid_request',
  access_denied: 'access_denied',
  not_found: 'not_found',
  method_not_allowed: 'method_not_allowed',
  conflict: 'conflict',
  payload_too_large: 'invalid_request',
  unsupported_media_type: 'invalid_request',
  upstream_refused: 'access_denied',
  upstream_rejected_grant: 'server_error',
  upstream_unavailable: 'temporarily_unavailable',
  upstream_timeout: 'temporarily_unavailable',
  internal: 'server_error',
};

export const statusOf = (error: BrokerError) => STATUS[error.kind];

/**
 * The one place errors become HTTP: `{error, error_description}` (RFC 6749 §5.2), plus what
 * Maskinporten or Altinn said when they answered. Anything that is not a `BrokerError` is a bug and
 * gets a generic 500 without its message.
 */
export function toErrorResponse(
  error: unknown,
  extraHeaders: Record<string, string> = {},
): ApiResponse {
  if (!(error instanceof BrokerError)) {
    return jsonResponse(500, { error: 'server_error', error_description: 'internal error' });
  }
  const body: Record<string, unknown> = {
    error: error.error ?? ERROR_CODE[error.kind],
    error_description: error.message,
  };
  if (error.upstream) {
    const { status, error: code, error_description: description } = error.upstream;
    body[error.upstreamSource === 'altinn' ? 'altinn_error' : 'maskinporten_error'] = {
      status,
      ...(code === undefined ? {} : { error: code }),
      ...(description === undefined ? {} : { error_description: description }),
    };
  }
  const headers = { ...extraHeaders, ...error.headers };
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  return jsonResponse(STATUS[error.kind], body, headers);
}
