import { BrokerError, ERROR_KINDS } from '../domain/errors.js';
import type { ApiResponse } from './api-types.js';
import { jsonResponse } from './responses.js';

/**
 * The one place errors become HTTP: the kind's status and `error` ({@link ERROR_KINDS}) as
 * `{error, error_description}` (RFC 6749 §5.2), plus what Maskinporten or Altinn said when they
 * answered, and the error's `Retry-After` and other headers. Anything that is not a `BrokerError`
 * is a bug and gets a generic 500 without its message.
 */
export function toErrorResponse(
  error: unknown,
  extraHeaders: Record<string, string> = {},
): ApiResponse {
  if (!(error instanceof BrokerError)) {
    return jsonResponse(500, { error: 'server_error', error_description: 'internal error' });
  }
  const meaning = ERROR_KINDS[error.kind];
  const body: Record<string, unknown> = {
    error: error.error ?? meaning.error,
    error_description: error.message,
  };
  if (error.upstream) {
    // Undefined members are left out by JSON.stringify.
    const { status, error: code, error_description: description } = error.upstream;
    body[error.upstreamSource === 'altinn' ? 'altinn_error' : 'maskinporten_error'] = {
      status,
      error: code,
      error_description: description,
    };
  }
  const headers = { ...extraHeaders, ...error.headers };
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  return jsonResponse(meaning.status, body, headers);
}
