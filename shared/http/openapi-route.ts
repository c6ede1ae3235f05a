import { readFile } from 'node:fs/promises';
import type { ApiResponse } from './api-types.js';
import type { Route } from './router.js';

/**
 * The OpenAPI 3.1 document, the machine-readable form of the contract, as a file beside this
 * module: `shared/http/openapi.json` in the source tree, and beside `index.mjs` in the Lambda asset
 * (`infra/constructs/broker-function.ts` copies it there after bundling). It is read on the first
 * request for it rather than bundled: a cold start does not parse 25 KB of JSON nobody asked for.
 */
export const OPENAPI_DOCUMENT_FILE = new URL('./openapi.json', import.meta.url);

let answer: Promise<ApiResponse> | undefined;

/**
 * `GET /v1/openapi.json`: the broker's contract as OpenAPI 3.1, read and serialised once. Public
 * like `/v1/jwks` (nothing in it concerns a credential), so a cache may keep it for five minutes.
 * A failed read is not remembered: the next request tries again.
 *
 * @see https://spec.openapis.org/oas/v3.1.1.html
 */
export const openApiRoute: Route = {
  method: 'GET',
  path: '/v1/openapi.json',
  handler: () => {
    answer ??= readFile(OPENAPI_DOCUMENT_FILE, 'utf8').then(
      (text) => ({
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
        body: JSON.stringify(JSON.parse(text)),
      }),
      (error: unknown) => {
        answer = undefined;
        throw error;
      },
    );
    return answer;
  },
};
