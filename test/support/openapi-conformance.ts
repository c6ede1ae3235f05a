import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { OPENAPI_DOCUMENT_FILE } from '../../shared/http/openapi-route.js';

/**
 * Checks broker answers against the OpenAPI 3.1 document the broker serves (`GET /v1/openapi.json`):
 * the status must be documented for the route, every required header present, every documented
 * header and the JSON body valid against its schema. The schemas are JSON Schema 2020-12 (the OAS
 * 3.1 dialect), compiled by Ajv in strict mode with the dialect's extra keywords known.
 *
 * @see https://spec.openapis.org/oas/v3.1.1.html#response-object
 */

/** The transport-neutral answer the contract-test helpers return. */
export interface ObservedResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  text: string;
}

export interface ObservedRequest {
  method?: string;
  /** With or without a query string. */
  path: string;
}

class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

type Json = Record<string, unknown>;

const DOCUMENT = JSON.parse(readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8')) as Json;
const DOCUMENT_ID = 'https://maskinporten-broker.invalid/openapi.json';
/** Keywords of the OpenAPI Object around the schemas, and the OAS 3.1 dialect's own schema keywords. */
const OPENAPI_KEYWORDS = [
  'openapi',
  'info',
  'jsonSchemaDialect',
  'servers',
  'paths',
  'webhooks',
  'components',
  'security',
  'tags',
  'externalDocs',
  'discriminator',
  'xml',
  'example',
];
/**
 * Answers that come before routing, on any path: a missing `Host` (400), the caller not allowed
 * (403: IAM, or a non-loopback `Host` on the local server), a Lambda that is not configured (500).
 * The document's `info.description` says so.
 */
const BEFORE_ROUTING: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  403: 'Forbidden',
  500: 'ServerError',
};

/** Ajv in strict mode over the whole document, so `$ref`s between its schemas resolve. */
function documentAjv(document: Json): Ajv2020 {
  const instance = new Ajv2020({ strict: true, allErrors: true });
  (addFormatsPlugin as unknown as typeof addFormatsPlugin.default)(instance);
  instance.addVocabulary(OPENAPI_KEYWORDS);
  instance.addSchema(document, DOCUMENT_ID);
  return instance;
}

const ajv = documentAjv(DOCUMENT);

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const routes = Object.keys(DOCUMENT['paths'] as Json).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
}));

/**
 * Throws a {@link ContractViolation} naming the route, the status and the schema error when the
 * answer does not conform to the document; returns the answer otherwise.
 */
export function assertConforms<T extends ObservedResponse>(
  request: ObservedRequest,
  response: T,
): T {
  const method = request.method ?? 'POST';
  const path = request.path.split('?')[0] ?? request.path;
  const problems = conformanceProblems(method, path, response);
  if (problems.length > 0) {
    throw new ContractViolation(
      `${method} ${path} answered ${response.status}, which does not conform to the OpenAPI contract (shared/http/openapi.json): ${problems.join('; ')}`,
    );
  }
  return response;
}

/** Every way `response` breaks the document, as `where: what` lines (empty when it conforms). */
function conformanceProblems(method: string, path: string, response: ObservedResponse): string[] {
  // The sandbox's simulated Maskinporten and Altinn share the local server but not the contract.
  if (path.startsWith('/sandbox/')) return [];
  const route = routes.find((candidate) => candidate.pattern.test(path));
  if (!route) {
    return checkShared({ ...BEFORE_ROUTING, 404: 'NotFound' }, response, method, 'unknown path');
  }
  const pathItem = ['paths', route.template];
  // Methods are case-sensitive (RFC 9110 §9.1): `post` is not `POST`.
  const operation =
    METHODS.includes(method.toLowerCase()) && method === method.toUpperCase()
      ? (lookup([...pathItem, method.toLowerCase()]) as Json | undefined)
      : undefined;
  if (!operation) {
    return checkShared(
      { ...BEFORE_ROUTING, 405: 'MethodNotAllowed' },
      response,
      method,
      `${route.template} takes no ${method}`,
    );
  }
  const responses = [...pathItem, method.toLowerCase(), 'responses'];
  const documented = lookup(responses) as Json;
  const status = String(response.status);
  const key = [status, `${status[0]}XX`, 'default'].find((candidate) => candidate in documented);
  if (!key) {
    return [
      `status ${status} is not documented for ${method} ${route.template} (documented: ${Object.keys(documented).join(', ')})`,
    ];
  }
  return checkResponse([...responses, key], response, method);
}

/** For answers outside the documented operations: the shared response for that status. */
function checkShared(
  byStatus: Readonly<Record<number, string>>,
  response: ObservedResponse,
  method: string,
  why: string,
): string[] {
  const name = byStatus[response.status];
  if (!name) {
    const expected = Object.entries(byStatus).map(([status, n]) => `${status} (${n})`);
    return [`${why}: expected one of ${expected.join(', ')}`];
  }
  return checkResponse(['components', 'responses', name], response, method);
}

function checkResponse(pointer: string[], response: ObservedResponse, method: string): string[] {
  const at = resolve(pointer);
  const definition = lookup(at) as Json;
  const where = `#/${at.join('/')}`;
  const problems: string[] = [];
  const headers = lowerCaseKeys(response.headers);
  for (const name of Object.keys((definition['headers'] as Json | undefined) ?? {})) {
    const header = resolve([...at, 'headers', name]);
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if ((lookup(header) as Json)['required'] === true) {
        problems.push(`header ${name} is required (${where})`);
      }
      continue;
    }
    const validate = validator([...header, 'schema']);
    if (!validate(value)) problems.push(`header ${name}: ${describe(validate.errors)} (${where})`);
  }
  const content = definition['content'] as Json | undefined;
  if (!content) {
    if (response.text.length > 0)
      problems.push(`a body was sent where none is documented (${where})`);
    return problems;
  }
  // A HEAD answer has the GET answer's headers and no body.
  if (method === 'HEAD' && response.text.length === 0) return problems;
  const mediaType = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (!mediaType || !(mediaType in content)) {
    problems.push(
      `content-type ${mediaType ?? '(none)'} is not documented (${Object.keys(content).join(', ')}) (${where})`,
    );
    return problems;
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    problems.push(`the body is not JSON (${where})`);
    return problems;
  }
  const validate = validator([...at, 'content', mediaType, 'schema']);
  if (!validate(body)) problems.push(`${describe(validate.errors, 'body')} (${where})`);
  return problems;
}

/**
 * Compiles every schema in `document` (components, parameters, headers, media types) as JSON
 * Schema 2020-12 in Ajv's strict mode: a typo such as `"type": "strin"` or an unknown keyword is a
 * problem here, which the OpenAPI 3.1 meta-schema alone lets through. Returns the problems.
 */
export function schemaProblems(document: Json = DOCUMENT): string[] {
  const instance = documentAjv(document);
  const problems: string[] = [];
  for (const pointer of schemaPointers(document)) {
    try {
      instance.getSchema(`${DOCUMENT_ID}#/${pointer.map(escapeSegment).join('/')}`);
    } catch (error) {
      problems.push(`#/${pointer.join('/')}: ${(error as Error).message}`);
    }
  }
  return problems;
}

function schemaPointers(node: unknown, at: string[] = []): string[][] {
  if (typeof node !== 'object' || node === null) return [];
  const found: string[][] = [];
  for (const [key, value] of Object.entries(node)) {
    const here = [...at, key];
    const isSchema =
      key === 'schema' || (at.length === 2 && at[0] === 'components' && at[1] === 'schemas');
    if (isSchema) found.push(here);
    else found.push(...schemaPointers(value, here));
  }
  return found;
}

const compiled = new Map<string, ValidateFunction>();

function validator(pointer: string[]): ValidateFunction {
  const fragment = pointer.map(escapeSegment).join('/');
  let validate = compiled.get(fragment);
  if (!validate) {
    validate = ajv.getSchema(`${DOCUMENT_ID}#/${fragment}`);
    if (!validate) throw new Error(`no schema at #/${pointer.join('/')}`);
    compiled.set(fragment, validate);
  }
  return validate;
}

/** Follows `$ref`s (within the document) until a definition; returns its pointer. */
function resolve(pointer: string[]): string[] {
  let current = pointer;
  for (let hops = 0; hops < 10; hops++) {
    const node = lookup(current) as Json | undefined;
    const ref = node?.['$ref'];
    if (typeof ref !== 'string') return current;
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
    current = ref.slice(2).split('/').map(unescapeSegment);
  }
  throw new Error(`$ref loop at #/${pointer.join('/')}`);
}

function lookup(pointer: string[]): unknown {
  let node: unknown = DOCUMENT;
  for (const segment of pointer) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Json)[segment];
  }
  return node;
}

function describe(errors: ErrorObject[] | null | undefined, dataVar = 'value'): string {
  return ajv.errorsText(errors, { dataVar, separator: ', ' });
}

function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** RFC 6901 escaping, then percent-encoding for the URI fragment (`{id}`, `/` in a media type). */
function escapeSegment(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
