import { redactJwts } from '../../domain/redact.js';
import { type OAuthErrorBody, UpstreamError } from '../../ports/authorization-server.js';
import { fetchFailure } from '../upstream-http.js';

const MAX_DESCRIPTION_LENGTH = 500;

/** Turns a fetch rejection into a network or timeout `UpstreamError`. */
export function toTransportError(error: unknown, signal: AbortSignal | undefined): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const failure = fetchFailure(error, signal);
  if (failure.kind === 'timeout') {
    return new UpstreamError({ kind: 'timeout', message: 'no answer before the timeout' });
  }
  // `redirect: 'error'`: a grant (or the metadata read) never follows Maskinporten elsewhere.
  if (isRedirectRefusal(error)) {
    return new UpstreamError({
      kind: 'network',
      message: 'answered with a redirect (never followed)',
    });
  }
  const { code } = failure;
  return new UpstreamError({
    kind: 'network',
    message: `connection failed${code ? ` (${code})` : ''}`,
  });
}

/** What undici throws for a 3xx under `redirect: 'error'`: `fetch failed`, caused by this. */
function isRedirectRefusal(error: unknown): boolean {
  return (
    error instanceof Error && (error.cause as Error | undefined)?.message === 'unexpected redirect'
  );
}

/**
 * Reads an OAuth error body (`error`, `error_description`), tolerating HTML pages and junk: only
 * short string fields are kept, with JWT-shaped text redacted, so nothing odd flows into the
 * broker's own answers and logs.
 */
export function parseOAuthErrorBody(text: string, contentType: string | null): OAuthErrorBody {
  if (!contentType?.includes('json')) return {};
  try {
    const parsed: unknown = JSON.parse(redactJwts(text));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const body: OAuthErrorBody = {};
    const { error, error_description: description } = parsed as Record<string, unknown>;
    if (typeof error === 'string') body.error = error.slice(0, 100);
    if (typeof description === 'string') {
      body.error_description = description.slice(0, MAX_DESCRIPTION_LENGTH);
    }
    return body;
  } catch {
    return {};
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
