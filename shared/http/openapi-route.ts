import type { ApiResponse } from './api-types.js';
import document from './openapi.json' with { type: 'json' };
import type { Route } from './router.js';

/** The OpenAPI 3.1 document, the machine-readable form of the contract in `openapi.json`. */
export const OPENAPI_DOCUMENT: Readonly<typeof document> = document;

let answer: ApiResponse | undefined;

/**
 * `GET /v1/openapi.json`: the broker's contract as OpenAPI 3.1, serialised once. Public like
 * `/v1/jwks` (nothing in it concerns a credential), so a cache may keep it for five minutes.
 *
 * @see https://spec.openapis.org/oas/v3.1.1.html
 */
export const openApiRoute: Route = {
  method: 'GET',
  path: '/v1/openapi.json',
  handler: async () => {
    answer ??= {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
      body: JSON.stringify(document),
    };
    return answer;
  },
};
