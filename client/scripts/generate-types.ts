import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';

/** The broker's contract: the document `GET /v1/openapi.json` serves. */
export const DOCUMENT_FILE = fileURLToPath(
  new URL('../../shared/http/openapi.json', import.meta.url),
);
/** Where the client's wire types are written; never edited by hand. */
export const GENERATED_FILE = fileURLToPath(
  new URL('../src/generated/openapi.ts', import.meta.url),
);

const HEADER = `/**
 * Generated from shared/http/openapi.json by \`npm run generate -w maskinporten-broker-client\`
 * (openapi-typescript). Do not edit: change the document and generate again. A test fails when
 * this file is stale.
 */

`;

/** The TypeScript types of the document, as they must stand in {@link GENERATED_FILE}. */
export async function renderTypes(): Promise<string> {
  const document = JSON.parse(await readFile(DOCUMENT_FILE, 'utf8')) as OpenAPI3;
  const ast = await openapiTS(document, { immutable: true, alphabetize: true });
  return HEADER + astToString(ast);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(GENERATED_FILE, await renderTypes());
  console.log(`wrote ${GENERATED_FILE}`);
}
