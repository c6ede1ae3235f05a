import { VLD, validationProblem } from './altinn-problem.js';

/** Altinn's page size for the vendor list endpoints (a captured page holds 20 items). */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * Altinn's `Paginated<T>`: `{links: {next?}, data}`. On the last page `links` is `{}` (no `next`
 * key at all), as in a real TT02 capture. `next` is an absolute URL with an opaque `token`: like
 * Altinn's `Opaque<T>`, the sandbox's token is base64url (no padding) of the JSON string of the
 * last id on the page.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/systemuserrequest/external/
 */
export interface Paginated<T> {
  links: { next?: string };
  data: T[];
}

export function paginate<T extends { id: string }>(
  items: T[],
  token: string | null,
  pageSize: number,
  nextUrl: (token: string) => string,
): Paginated<T> {
  let start = 0;
  if (token !== null) {
    const afterId = decodeToken(token);
    const index = items.findIndex((item) => item.id === afterId);
    if (index < 0) throw validationProblem([VLD.invalidValue(['/token'])]);
    start = index + 1;
  }
  const data = items.slice(start, start + pageSize);
  const last = data.at(-1);
  const more = start + pageSize < items.length && last !== undefined;
  return { links: more ? { next: nextUrl(encodeToken(last.id)) } : {}, data };
}

export const encodeToken = (id: string) => Buffer.from(JSON.stringify(id)).toString('base64url');

function decodeToken(token: string): string | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
