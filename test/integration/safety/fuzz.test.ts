import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../../functions/local/server.js';
import type { ApiGatewayProxyEvent } from '../../../shared/adapters/http/apigateway-event.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { DEMO } from '../../../shared/sandbox/demo.js';
import { FIXTURE_VPCE_ID, privateIamEvent } from '../../support/apigateway-events.js';
import { FIXTURE_ROLE_ARN } from '../../support/broker-transports.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { type LambdaHarness, secretHits, startLambdaHarness, tempPolicyFile } from './support.js';

/**
 * Property tests against the real local HTTP server (one instance, sandbox mode, healthy upstream)
 * and the Lambda handler: whatever arrives, the broker answers below 500 with a JSON
 * `{error, error_description}` for anything that is not a success, never hangs, and leaves no
 * unhandled rejection behind.
 */

const ALLOWED = 'arn:aws:iam::111122223333:role/fuzz-allowed';
// Longer than the listener's 5 s body timeout, the last word on a request whose body never ends.
const REQUEST_TIMEOUT_MS = 15_000;
const runs = { count: 0 };
/** Statuses seen, for the record (and to show the fuzz reaches more than one kind of answer). */
const seen = new Map<number, number>();
const numRuns = (n: number) => {
  runs.count += n;
  return { numRuns: n };
};

// ---------------------------------------------------------------------------------------------
// Generators

const checkDigit = (digits: number[]) => {
  const weights = [3, 2, 7, 6, 5, 4, 3, 2];
  const sum = digits.reduce((total, digit, i) => total + digit * (weights[i] as number), 0);
  const check = 11 - (sum % 11);
  return check === 11 ? 0 : check;
};
const validOrgnr = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 8, maxLength: 8 })
  .filter((digits) => checkDigit(digits) !== 10)
  .map((digits) => `${digits.join('')}${checkDigit(digits)}`);
const knownOrgnr = fc.constantFrom(
  ...Object.values(DEMO.customers).map((customer) => customer.orgNo),
  DEMO.vendor.orgNo,
);
const orgnr = fc.oneof(
  knownOrgnr,
  validOrgnr,
  validOrgnr.map((org) => `0192:${org}`),
);
const scopeName = fc.oneof(
  fc.constantFrom(...DEMO.scopes, 'skatteetaten:not-granted', 'krr:*'),
  fc.stringMatching(/^[a-z]{1,8}:[a-z/.]{1,20}$/),
);

const controlChars = fc.string({
  unit: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  minLength: 1,
  maxLength: 20,
});
/** Any JSON value text, including ones JSON.stringify never writes. */
const json = (value: unknown) => JSON.stringify(value) ?? 'null';
const nested = (depth: number, open: string, close: string, inner = '1') =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

/** Raw JSON text for a value that breaks a field's rules. */
const mutatedValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'null',
    'true',
    'false',
    '0',
    '-1',
    '1.5',
    '-0',
    '1e999',
    '-1e999',
    '1e308',
    '[]',
    '{}',
    '""',
    '" "',
  ),
  fc.double().map(json),
  fc.integer().map(json),
  fc.string({ unit: 'binary', maxLength: 40 }).map(json),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map(json),
  controlChars.map(json),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => json('x'.repeat(n))),
  fc.integer({ min: 1, max: 6000 }).map((depth) => nested(depth, '[', ']')),
  fc.integer({ min: 1, max: 3000 }).map((depth) => nested(depth, '{"a":', '}')),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 30 }).map(json),
  fc.jsonValue({ maxDepth: 3 }).map(json),
  fc.constantFrom(
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
  ),
  fc.constantFrom(
    '"\\ud800"',
    '"\\u0000"',
    '"a\\nb"',
    '"\\u202e"',
    '"https://x.no/#frag"',
    '"http://x.no/"',
  ),
);

/** Raw JSON text for a value that follows a field's rules (the request may still be refused). */
const validValue: Record<string, fc.Arbitrary<string>> = {
  scope: fc.oneof(
    scopeName.map(json),
    fc.array(scopeName, { minLength: 1, maxLength: 4 }).map(json),
    fc.array(scopeName, { minLength: 1, maxLength: 4 }).map((scopes) => json(scopes.join(' '))),
    fc.array(scopeName, { minLength: 21, maxLength: 25 }).map(json),
  ),
  org: orgnr.map(json),
  externalRef: fc.oneof(
    fc.constant(json(DEMO.customers.withExternalRef.externalRef)),
    fc.stringMatching(/^[A-Za-z0-9._~-]{1,40}$/).map(json),
    fc.integer({ min: 250, max: 260 }).map((n) => json('r'.repeat(n))),
  ),
  resource: fc.oneof(
    fc.webUrl({ validSchemes: ['https'] }).map(json),
    fc
      .array(fc.webUrl({ validSchemes: ['https'], withFragments: true }), {
        minLength: 1,
        maxLength: 12,
      })
      .map(json),
  ),
  consumerOrg: orgnr.map(json),
  exchange: fc.constantFrom('"altinn"', '"ALTINN"', '"other"'),
  minTtl: fc.oneof(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 4000 })).map(json),
  skipCache: fc.boolean().map(json),
};
const FIELDS = Object.keys(validValue);
const EVIL_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'sub',
  '',
];

/** A token request body built around the real schema: some fields valid, some mutated, extras. */
const schemaBody: fc.Arbitrary<string> = fc
  .tuple(
    fc.subarray(FIELDS),
    fc.array(fc.boolean(), { minLength: FIELDS.length, maxLength: FIELDS.length }),
    fc.array(
      fc.tuple(fc.oneof(fc.constantFrom(...EVIL_KEYS), fc.string({ maxLength: 12 })), mutatedValue),
      {
        maxLength: 2,
      },
    ),
    fc.option(fc.constantFrom(...FIELDS), { nil: undefined }),
    fc.constantFrom('', '', '', '\uFEFF', ' \n\t', '[', 'garbage'),
  )
  .chain(([fields, mutate, extras, duplicate, wrapper]) =>
    fc
      .tuple(
        ...fields.map((field, i) =>
          mutate[i] ? mutatedValue : (validValue[field] as fc.Arbitrary<string>),
        ),
        duplicate ? (validValue[duplicate] as fc.Arbitrary<string>) : fc.constant(''),
      )
      .map((values) => {
        const members = fields.map((field, i) => `${json(field)}:${values[i]}`);
        for (const [key, value] of extras) members.push(`${json(key)}:${value}`);
        if (duplicate) members.push(`${json(duplicate)}:${values[fields.length]}`);
        const object = `{${members.join(',')}}`;
        if (wrapper === '[') return `[${object}]`;
        if (wrapper === 'garbage') return `${object}garbage`;
        return wrapper === '\uFEFF' ? `\uFEFF${object}` : `${object}${wrapper}`;
      }),
  );

/** A body that is valid by construction: it reaches Maskinporten (the sandbox) when authorised. */
const validBody = fc
  .record(
    {
      scope: fc.oneof(scopeName, fc.array(scopeName, { minLength: 1, maxLength: 3 })),
      org: fc.option(knownOrgnr, { nil: undefined }),
      resource: fc.option(fc.webUrl({ validSchemes: ['https'] }), { nil: undefined }),
      skipCache: fc.option(fc.boolean(), { nil: undefined }),
      minTtl: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    },
    { requiredKeys: ['scope'] },
  )
  .map((body) => JSON.stringify(body));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/problem+json',
  'application/json-patch+json',
  'application/jsonx',
  'application/json;',
  'application/json ; charset=utf-16',
  'text/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  '',
  ';',
  'application/',
  '*/*',
];
/** Header values node:http lets a client send: no CR, LF or NUL. */
const headerValue = (maxLength: number) =>
  fc.string({
    unit: fc
      .oneof(
        fc.integer({ min: 0x20, max: 0x7e }),
        fc.constant(0x09),
        fc.integer({ min: 0x80, max: 0xff }),
      )
      .map((code) => String.fromCharCode(code)),
    maxLength,
  });
const contentType = fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerValue(60));

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'HEAD',
  'TRACE',
  'PROPFIND',
  'SEARCH',
  'QUERY',
  'PURGE',
  'MKCOL',
  'REPORT',
  'post',
  'Get',
  'BREW',
];
const method = fc.oneof(fc.constantFrom(...METHODS), fc.stringMatching(/^[A-Z]{1,12}$/));

const PATHS = [
  '/v1/token',
  '/v1/health',
  '/v1/jwks',
  '/',
  '*',
  '/v1/token/',
  '//v1/token',
  '/V1/TOKEN',
  '/v1/token?x=1',
  '/v1/token#frag',
  '/v1/./token',
  '/v1/../v1/token',
  '/v1/%2e%2e/token',
  '/v1/token%00',
  '/v1/token;x',
  '/%',
  '/%zz',
  '/%c0%af',
  '/v1/token%2F',
  'http://evil.example/v1/token',
  '/v1/systemuser-requests/%ff',
  '/v1/systemuser-requests/..%2f..',
];
const pathPiece = fc.constantFrom(
  '%',
  '%zz',
  '%00',
  '%2e%2e',
  '..',
  '.',
  '%2F',
  '/',
  'v1',
  'token',
  '%ff',
  '%c0%af',
  ';',
  '?',
  '#',
  '\\',
  '~',
  'ä',
  '%u2215',
);
const urlChars = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 80,
});
const path = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom(...PATHS) },
    fc.webPath(),
    urlChars.map((text) => `/${text}`),
    fc.array(pathPiece, { maxLength: 12 }).map((pieces) => `/${pieces.join('')}`),
    fc.integer({ min: 1000, max: 20_000 }).map((n) => `/v1/${'a'.repeat(n)}`),
    fc.integer({ min: 1, max: 300 }).map((n) => `/v1/token?${'x=1&'.repeat(n)}`),
  )
  .filter((candidate) => !reachesSandbox(candidate));

/** The embedded sandbox (and its fault controls) is test machinery, not the broker: stay away. */
function reachesSandbox(target: string): boolean {
  try {
    return new URL(target, 'http://x.invalid').pathname.toLowerCase().includes('sandbox');
  } catch {
    return target.toLowerCase().includes('sandbox');
  }
}

const HEADER_NAMES = [
  'broker-caller',
  'content-type',
  'accept',
  'accept-encoding',
  'authorization',
  'cookie',
  'x-forwarded-for',
  'x-forwarded-host',
  'host',
  'expect',
  'connection',
  'upgrade',
  'te',
  'range',
  'origin',
  'content-encoding',
  'x-amz-date',
  'user-agent',
  'if-none-match',
  'keep-alive',
  'proxy-authorization',
  '__proto__',
  'constructor',
];
const headerName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HEADER_NAMES) },
  fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}$/),
);
const callerHeader = fc.constantFrom(
  ALLOWED,
  'arn:aws:iam::111122223333:role/other',
  'local',
  'x'.repeat(300),
);
const headers = fc.array(
  fc.oneof(
    fc.tuple(headerName, headerValue(200)),
    fc.tuple(fc.constant('broker-caller'), callerHeader),
    fc.tuple(
      fc.constantFrom('expect', 'connection', 'upgrade', 'host'),
      fc.constantFrom(
        '100-continue',
        'foo',
        'close',
        'keep-alive',
        'Upgrade',
        'websocket',
        'h2c',
        'evil.example',
        'localhost',
        '',
      ),
    ),
    fc.tuple(
      headerName,
      fc.integer({ min: 2000, max: 9000 }).map((n) => 'v'.repeat(n)),
    ),
  ),
  { maxLength: 8 },
);

// ---------------------------------------------------------------------------------------------
// Clients

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Sent {
  method: string;
  path: string;
  headers: [string, string][];
  body?: Buffer;
}

/** One request over node:http with exactly these headers (plus Host and an exact Content-Length). */
function send(origin: URL, sent: Sent): Promise<Answer> {
  const flat: string[] = [];
  const names = new Set(sent.headers.map(([name]) => name.toLowerCase()));
  if (!names.has('host')) flat.push('Host', origin.host);
  for (const [name, value] of sent.headers) flat.push(name, value);
  if (sent.body !== undefined || sent.method === 'POST')
    flat.push('Content-Length', String(sent.body?.byteLength ?? 0));
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest({
      host: origin.hostname,
      port: origin.port,
      method: sent.method,
      path: sent.path,
      headers: flat,
      agent: false,
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    request.on('response', (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // An oversized upload is refused and the connection closed without reading the rest of it.
      const oversized = (sent.body?.byteLength ?? 0) > 16 * 1024;
      if (!answered && oversized && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        resolve({
          status: 413,
          headers: { 'content-type': 'application/json' },
          body: '{"error":"invalid_request","error_description":"closed"}',
        });
        return;
      }
      reject(error);
    });
    request.end(sent.body);
  });
}

/** Sends raw bytes on a fresh connection, half-closes, and reads until the server closes. */
function sendRaw(origin: URL, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: origin.hostname, port: Number(origin.port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection not closed within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.on('connect', () => socket.end(bytes));
  });
}

/** Parses the first HTTP/1.x response in `bytes` (Content-Length, chunked, or until close). */
function parseFirstResponse(bytes: Buffer, head = false): Answer {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1)
    throw new Error(`no complete response head: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = bytes.subarray(end + 4);
  let body: Buffer;
  if (head) {
    body = Buffer.alloc(0);
  } else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (lineEnd === -1 || Number.isNaN(size)) throw new Error('bad chunked body');
      if (size === 0) break;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    body = rest.subarray(0, Number(headers['content-length']));
  } else {
    body = rest;
  }
  return { status: Number(match[1]), headers, body: body.toString('utf8') };
}

// ---------------------------------------------------------------------------------------------
// The properties

/** Below 500, and anything but a success is a JSON `{error, error_description}`. */
function checkAnswer(answer: Answer, what: { method: string; path: string }): void {
  seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
  const context = `${what.method} ${what.path.slice(0, 120)} → ${answer.status} ${answer.body.slice(0, 300)}`;
  expect(answer.status, context).toBeGreaterThanOrEqual(100);
  expect(answer.status, context).toBeLessThan(500);
  if (answer.status >= 200 && answer.status < 300) {
    if (what.method === 'HEAD') return;
    const body = JSON.parse(answer.body);
    expect(body, context).toBeTypeOf('object');
    return;
  }
  // A HEAD answer has no body by definition (RFC 9110 §9.3.2).
  if (what.method === 'HEAD') return;
  expect(String(answer.headers['content-type']), context).toMatch(/^application\/json/);
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    throw new Error(`not JSON: ${context}`);
  }
  const { error, error_description: description } = body as Record<string, unknown>;
  expect(typeof error, context).toBe('string');
  expect(typeof description, context).toBe('string');
  expect((error as string).length, context).toBeGreaterThan(0);
  expect((description as string).length, context).toBeGreaterThan(0);
}

describe('property tests against the real local HTTP server', () => {
  let server: LocalServer;
  let origin: URL;
  const logger = new RecordingLogger();
  let policy: ReturnType<typeof tempPolicyFile>;
  let unhandled: unknown[];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
    policy = tempPolicyFile({
      rules: [
        { callers: [ALLOWED], scopes: ['*'], orgs: '*', vendorTokens: true, skipCache: true },
      ],
    });
    server = await startLocalServer({
      env: { PORT: '0', BROKER_DEADLINE_MS: '3000', BROKER_POLICY_FILE: policy.path },
      logger,
      metrics: new InMemoryMetrics(),
    });
    origin = new URL(server.url);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server?.close();
    policy?.cleanup();
  });

  const post = (
    body: string | Buffer,
    type = 'application/json',
    caller: string | null = ALLOWED,
  ) =>
    send(origin, {
      method: 'POST',
      path: '/v1/token',
      headers: [
        ['Content-Type', type],
        ...(caller ? ([['Broker-Caller', caller]] as [string, string][]) : []),
      ],
      body: Buffer.from(body),
    });

  it('answers arbitrary JSON bodies', async () => {
    const body = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc.anything({ maxDepth: 3, withObjectString: true }).map(json),
      fc.jsonValue().map((value) => json({ scope: value })),
    );
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const answer = await post(text);
        checkAnswer(answer, { method: 'POST', path: '/v1/token' });
        expect([200, 400, 403, 413]).toContain(answer.status);
      }),
      numRuns(600),
    );
  });

  it('answers bodies built around the schema with mutated fields', async () => {
    await fc.assert(
      fc.asyncProperty(schemaBody, callerHeader, async (text, caller) => {
        const answer = await post(text, 'application/json', caller);
        checkAnswer(answer, { method: 'POST', path: '/v1/token' });
        expect([200, 400, 403, 413]).toContain(answer.status);
      }),
      numRuns(1500),
    );
  });

  it('answers valid bodies with 200, or a refusal (403) or a lifetime 400, never a fault', async () => {
    await fc.assert(
      fc.asyncProperty(validBody, fc.option(callerHeader, { nil: null }), async (text, caller) => {
        const answer = await post(text, 'application/json', caller);
        checkAnswer(answer, { method: 'POST', path: '/v1/token' });
        expect([200, 403]).toContain(answer.status);
        if (answer.status === 200)
          expect(JSON.parse(answer.body).access_token).toEqual(expect.any(String));
        if (caller !== ALLOWED) expect(JSON.parse(answer.body).error).toBe('access_denied');
      }),
      numRuns(300),
    );
  });

  it('answers raw byte bodies (invalid UTF-8, truncated JSON)', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 1024 }),
      fc
        .tuple(validBody, fc.nat(), fc.integer({ min: 0x80, max: 0xff }))
        .map(([text, at, byte]) => {
          const buffer = Buffer.from(text);
          buffer[at % buffer.length] = byte;
          return new Uint8Array(buffer);
        }),
      fc
        .tuple(validBody, fc.nat())
        .map(([text, cut]) => new Uint8Array(Buffer.from(text).subarray(0, cut % text.length))),
      fc.constantFrom(
        new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
        new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]),
        new Uint8Array([0xc0, 0xaf]),
        new Uint8Array([0xed, 0xa0, 0x80]),
      ),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (body) => {
        const answer = await post(Buffer.from(body));
        checkAnswer(answer, { method: 'POST', path: '/v1/token' });
        expect(answer.status).toBeLessThan(500);
      }),
      numRuns(400),
    );
  });

  it('answers arbitrary content types', async () => {
    await fc.assert(
      fc.asyncProperty(contentType, fc.oneof(validBody, schemaBody), async (type, text) => {
        const answer = await post(text, type);
        checkAnswer(answer, { method: 'POST', path: '/v1/token' });
      }),
      numRuns(300),
    );
  });

  it('answers arbitrary methods, paths and header sets', async () => {
    const body = fc.option(fc.oneof(validBody, schemaBody, fc.string({ maxLength: 50 })), {
      nil: undefined,
    });
    await fc.assert(
      fc.asyncProperty(method, path, headers, body, async (verb, target, headerSet, text) => {
        const sent: Sent = { method: verb, path: target, headers: headerSet };
        if (text !== undefined) sent.body = Buffer.from(text);
        const answer = await send(origin, sent);
        checkAnswer(answer, { method: verb, path: target });
      }),
      numRuns(1200),
    );
  });

  it('answers raw requests node:http would never send (bad request lines, header bytes, framing)', async () => {
    const token = fc.stringMatching(/^[A-Z]{1,8}$/);
    const rawMethod = fc.oneof(
      fc.constantFrom(...METHODS, 'CONNECT', 'GET ', 'P OST', '', 'PRI'),
      token,
    );
    const rawTarget = fc.oneof(
      path,
      fc.string({ unit: 'binary', maxLength: 60 }).map((text) => `/${text}`),
      fc.constantFrom(
        '',
        ' ',
        '/v1/token HTTP/1.1',
        '/v1/to ken',
        '/v1/\u0000',
        '/\r/',
        'evil.example:443',
      ),
    );
    const version = fc.constantFrom(
      'HTTP/1.1',
      'HTTP/1.1',
      'HTTP/1.0',
      'HTTP/2.0',
      'HTTP/1.1x',
      'HTTP/0.9',
      'http/1.1',
      '',
    );
    const rawHeader = fc.oneof(
      fc.tuple(headerName, headerValue(80)).map(([name, value]) => `${name}: ${value}`),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom(
        'Content-Length: abc',
        'Content-Length: -1',
        'Content-Length: 1, 2',
        'Content-Length: 0\r\nContent-Length: 5',
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: gzip, chunked',
        'Transfer-Encoding: chunked, gzip',
        'Transfer-Encoding: chunked\r\nContent-Length: 3',
        ' folded: line',
        'No-Colon-Here',
        'Bad Name: x',
        'X: a\rb',
        'X: \u0000',
        'Host: evil.example',
        'Host: a\r\nHost: b',
        'Expect: nonsense',
        'Connection: Upgrade\r\nUpgrade: websocket',
      ),
    );
    const framing = fc.constantFrom('exact', 'exact', 'none', 'chunked', 'bad-chunked', 'short');
    const bodyBytes = fc.oneof(
      validBody.map((text) => Buffer.from(text)),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    );
    const withHost = fc.boolean();
    await fc.assert(
      fc.asyncProperty(
        rawMethod,
        rawTarget.filter((target) => !reachesSandbox(target)),
        version,
        fc.array(rawHeader, { maxLength: 6 }),
        framing,
        bodyBytes,
        withHost,
        async (verb, target, httpVersion, extra, frame, body, host) => {
          const head = [`${verb} ${target} ${httpVersion}`.trimEnd()];
          if (host) head.push(`Host: ${origin.host}`);
          head.push(...extra, 'Connection: close');
          let payload = Buffer.alloc(0);
          if (frame === 'exact') {
            head.push(`Content-Length: ${body.byteLength}`);
            payload = body;
          } else if (frame === 'short' && body.byteLength > 0) {
            head.push(`Content-Length: ${body.byteLength - 1}`);
            payload = body;
          } else if (frame === 'chunked') {
            head.push('Transfer-Encoding: chunked');
            payload = Buffer.concat([
              Buffer.from(`${body.byteLength.toString(16)}\r\n`),
              body,
              Buffer.from('\r\n0\r\n\r\n'),
            ]);
          } else if (frame === 'bad-chunked') {
            head.push('Transfer-Encoding: chunked');
            payload = Buffer.concat([Buffer.from('zz\r\n'), body]);
          }
          const bytes = Buffer.concat([
            Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'),
            payload,
          ]);
          const received = await sendRaw(origin, bytes);
          // Node itself swallows any answer to PRI, the HTTP/2 preface method: it parks the
          // connection for an h2 upgrade the broker does not offer. The connection still closes.
          if (verb === 'PRI' && received.byteLength === 0) return;
          expect(
            received.byteLength,
            `no answer to ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`,
          ).toBeGreaterThan(0);
          const answer = parseFirstResponse(received, verb.trim() === 'HEAD');
          checkAnswer(answer, { method: verb.trim(), path: target });
        },
      ),
      numRuns(800),
    );
  });

  it('left no unhandled rejection, no polluted prototype, and a healthy broker behind', async () => {
    expect(unhandled).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(server.sandbox?.maskinporten.stats.faultsApplied).toBe(0);
    expect(logger.entries.length).toBeGreaterThan(1000);
    expect(secretHits(logger.text())).toEqual([]);
    const health = await send(origin, { method: 'GET', path: '/v1/health', headers: [] });
    expect(health.status).toBe(200);
    const token = await post(
      JSON.stringify({ scope: DEMO.scopes[0], org: DEMO.customers.standard.orgNo }),
    );
    expect(token.status).toBe(200);
  });
});

describe('property tests against the Lambda handler', () => {
  let broker: LambdaHarness;
  let unhandled: unknown[];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const template = privateIamEvent();

  beforeAll(async () => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
    broker = await startLambdaHarness();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await broker?.close();
  });

  /** Header maps as API Gateway might hand them over, including keys that are Object.prototype names. */
  const headerMap = fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'Content-Type',
            'content-type',
            'CONTENT-TYPE',
            'broker-caller',
            '__proto__',
            'constructor',
            'hasOwnProperty',
            'Host',
          ),
          fc.string({ maxLength: 20 }),
        ),
        fc.oneof(
          fc.constantFrom('application/json', 'text/plain', ''),
          fc.string({ unit: 'binary', maxLength: 60 }),
        ),
      ),
      { maxLength: 6 },
    )
    .map((pairs) => {
      const map: Record<string, string> = {};
      for (const [name, value] of pairs)
        Object.defineProperty(map, name, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return map;
    });
  const body = fc.oneof(
    validBody.map((text) => ({ body: text, isBase64Encoded: false })),
    schemaBody.map((text) => ({ body: text, isBase64Encoded: false })),
    validBody.map((text) => ({
      body: Buffer.from(text).toString('base64'),
      isBase64Encoded: true,
    })),
    fc
      .string({ unit: 'binary', maxLength: 200 })
      .map((text) => ({ body: text, isBase64Encoded: true })),
    fc
      .uint8Array({ maxLength: 300 })
      .map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
    fc.constant({ body: null, isBase64Encoded: false }),
    fc
      .integer({ min: 16_000, max: 40_000 })
      .map((n) => ({ body: json({ scope: 'x'.repeat(n) }), isBase64Encoded: false })),
  );
  // Most through the configured VPC endpoint (so the handler behind the event gate is fuzzed);
  // some without one, which the gate refuses.
  const identity = fc.constantFrom(
    template.requestContext?.identity,
    { ...template.requestContext?.identity, userArn: null },
    { vpceId: FIXTURE_VPCE_ID, userArn: 'arn:aws:sts::123456789012:assumed-role/Other/s' },
    { vpceId: FIXTURE_VPCE_ID, userArn: 'not an arn' },
    { userArn: template.requestContext?.identity?.userArn },
    null,
  );
  const event = fc.record({
    httpMethod: fc.oneof(
      fc.constantFrom('POST', 'post', 'GET', 'HEAD', 'OPTIONS', 'DELETE'),
      fc.string({ maxLength: 10 }),
      fc.constant(null),
    ),
    path: fc.oneof(
      fc.constantFrom('/v1/token', '/v1/health', '/v1/jwks', '', '/'),
      path,
      fc.string({ unit: 'binary', maxLength: 50 }),
      fc.constant(null),
    ),
    headers: fc.oneof(headerMap, fc.constant(null)),
    multiValueHeaders: fc.oneof(
      headerMap.map((map) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, [v, v]]))),
      fc.constant(null),
    ),
    query: fc.oneof(
      fc.constant(null),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })),
    ),
    body,
    identity,
  });

  it('answers arbitrary events below 500 with a JSON error body, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(event, async (generated) => {
        const ev: ApiGatewayProxyEvent = {
          ...template,
          httpMethod: generated.httpMethod,
          path: generated.path,
          headers: generated.headers as Record<string, string | undefined> | null,
          multiValueHeaders: generated.multiValueHeaders as Record<
            string,
            string[] | undefined
          > | null,
          queryStringParameters: generated.query,
          multiValueQueryStringParameters: null,
          body: generated.body.body,
          isBase64Encoded: generated.body.isBase64Encoded,
          requestContext: { ...template.requestContext, identity: generated.identity ?? null },
        };
        const result = await broker.handler(ev);
        const answer: Answer = {
          status: result.statusCode,
          headers: lower(result.headers),
          body: result.body,
        };
        // The Lambda answers HEAD with a body too (API Gateway drops it), so every answer is checked.
        checkAnswer(answer, { method: 'ANY', path: String(generated.path) });
        for (const value of Object.values(result.headers)) expect(typeof value).toBe('string');
        if (answer.status === 200 && (generated.path ?? '') === '/v1/token') {
          expect(generated.identity?.userArn).toBe(template.requestContext?.identity?.userArn);
        }
      }),
      numRuns(600),
    );
    expect(unhandled).toEqual([]);
    expect(broker.sandbox.maskinporten.stats.faultsApplied).toBe(0);
    expect(secretHits(broker.logger.text())).toEqual([]);
    expect(FIXTURE_ROLE_ARN).toBe('arn:aws:iam::123456789012:role/Admin');
  });
});

afterAll(() => {
  // Reported for the record: how many generated cases this file ran.
  const statuses = [...seen].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
  console.info(`fuzz cases run: ${runs.count}; statuses: ${statuses.join(' ')}`);
});

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
