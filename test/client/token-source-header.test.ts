import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOKEN_SOURCE_HEADER as CLIENT_HEADER } from '../../client/src/token-source-header.js';
import { TOKEN_SOURCE_HEADER } from '../../shared/http/token-route.js';

// The client package is published on its own and never imports the broker, so it keeps its own
// name for the header that says where a token came from (the smoke check uses it too). This keeps
// it, the broker's and the OpenAPI document's from drifting apart.

const DOCUMENT = JSON.parse(
  readFileSync(new URL('../../shared/http/openapi.json', import.meta.url), 'utf8'),
) as { paths: Record<string, { post?: { responses: Record<string, { headers?: object }> } }> };

describe('the token-source header', () => {
  it('has the same name in the client as in the broker', () => {
    expect(CLIENT_HEADER).toBe(TOKEN_SOURCE_HEADER);
  });

  it('is the header the OpenAPI document gives POST /v1/token’s 200 (names are case-insensitive)', () => {
    const headers = Object.keys(DOCUMENT.paths['/v1/token']?.post?.responses['200']?.headers ?? {});

    expect(headers.map((name) => name.toLowerCase())).toContain(TOKEN_SOURCE_HEADER);
  });
});
