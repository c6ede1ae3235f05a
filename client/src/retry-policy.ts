/** The first backoff step, doubled per attempt up to {@link MAX_BACKOFF_MS}. */
export const BASE_BACKOFF_MS = 200;
export const MAX_BACKOFF_MS = 2_000;
/** An attempt needs at least this long to be worth starting; with less left, the client gives up. */
export const MIN_ATTEMPT_MS = 250;

/**
 * How long to wait before attempt `attempt + 1`. With `Retry-After`, what the broker asked plus up
 * to a tenth more (at most 1 s), so callers told the same wait do not all come back in the same
 * millisecond; without it, "full jitter" exponential backoff: uniform in [0, min(2 s, 200 ms × 2^(n−1))].
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) {
    return retryAfterMs + random() * Math.min(1_000, retryAfterMs / 10);
  }
  return random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when
 * absent or unreadable. A date in the past is 0.
 */
export function parseRetryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names a weekday and month; bare numbers like "1.5" are not dates here.
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
