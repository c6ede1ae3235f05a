import type { ApiResponse } from './api-types.js';

/** Headers of every JSON answer: nothing the broker says may be stored by a cache. */
export const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
} as const;

/** A JSON response that no cache may store: everything the broker says may concern a credential. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ApiResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}
