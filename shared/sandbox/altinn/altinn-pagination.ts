import { VLD, validationProblem } from './altinn-problem.js';

/** Items per page of the vendor lists: a captured at22 page holds 20 (appsettings.json says 50). */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * Altinn's `Paginated<T>`: `{links: {next?}, data}`. On the last page `links` is `{}` (`next` is
 * null and left out), as in a real TT02 capture. `next` is an absolute URL whose `token` is an
 * `Opaque<T>`: base64url (no padding) of the JSON of the continuation value.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 */
export interface Paginated<T> {
  links: { next?: string };
  data: T[];
}

/**
 * `Page.Create` (`src/Core/Models/Page.cs:35-48`): the first `pageSize` of `items`, and when there
 * are more, a continuation token made from the first item *not* returned.
 */
export function createPage<T>(
  items: readonly T[],
  pageSize: number,
  tokenOf: (item: T) => unknown,
  nextUrl: (token: string) => string,
): Paginated<T> {
  if (items.length <= pageSize) return { links: {}, data: [...items] };
  const firstLeftOut = items[pageSize] as T;
  return {
    links: { next: nextUrl(encodeOpaque(tokenOf(firstLeftOut))) },
    data: items.slice(0, pageSize),
  };
}

export const encodeOpaque = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The `token` query parameter bound as `Opaque<T>`: null when absent; a value that is not one of
 * ours (not base64url JSON of the right type) is a model-binding failure, 400.
 */
export function decodeOpaque<T>(
  token: string | null,
  accept: (value: unknown) => value is T,
): T | null {
  if (token === null) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (accept(value)) return value;
  } catch {
    // falls through to the 400
  }
  throw validationProblem([VLD.invalidValue(['/token'])]);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: unknown): value is string =>
  typeof value === 'string' && GUID.test(value);

export const isSequenceNo = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
