import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, renderTypes } from '../../client/scripts/generate-types.js';

// The client's request and response types are generated from the broker's OpenAPI document
// (openapi-typescript), so they cannot drift from the contract the broker serves and the contract
// tests enforce: this fails when the document changed and the types were not generated again.

describe('the client types', () => {
  it('are generated from the current shared/http/openapi.json', async () => {
    const committed = await readFile(GENERATED_FILE, 'utf8');

    expect(
      committed,
      'client/src/generated/openapi.ts is stale: run `npm run generate -w maskinporten-broker-client`',
    ).toBe(await renderTypes());
  });
});
