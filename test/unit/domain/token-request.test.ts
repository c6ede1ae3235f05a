import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../../shared/domain/errors.js';
import { describeIssue, MAX_EXTERNAL_REF_LENGTH } from '../../../shared/domain/schema-fields.js';
import {
  MAX_MIN_TTL_SECONDS,
  MAX_RESOURCE_LENGTH,
  MAX_RESOURCES,
  MAX_SCOPE_LENGTH,
  MAX_SCOPES,
  parseTokenRequest,
} from '../../../shared/domain/token-request.js';

const ORG = '910753614';
const OTHER_ORG = '313725138';

/** Parses, expecting `invalid_request`; returns the message. */
function rejection(body: unknown): string {
  let caught: unknown;
  try {
    parseTokenRequest(body);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BrokerError);
  const error = caught as BrokerError;
  expect(error.kind).toBe('invalid_request');
  expect(error.upstream).toBeUndefined();
  return error.message;
}

const scopes = (n: number, prefix = 'scope') =>
  Array.from({ length: n }, (_, i) => `${prefix}:${String(i).padStart(2, '0')}`);
const resources = (n: number) => Array.from({ length: n }, (_, i) => `https://api${i}.example.no/`);

describe('parseTokenRequest: the body', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'scope'],
    ['a number', 1],
    ['a boolean', true],
    ['an array', []],
    ['an array of objects', [{ scope: 'a' }]],
  ])('rejects %s', (_, body) => {
    expect(rejection(body)).toBe('the body must be a JSON object');
  });

  it('returns exactly the normalised request with defaults', () => {
    expect(parseTokenRequest({ scope: 'a' })).toStrictEqual({
      scopes: ['a'],
      minTtl: 0,
      skipCache: false,
    });
  });

  it('returns every field of a system-user request, normalised', () => {
    expect(
      parseTokenRequest({
        scope: 'b a',
        org: `0192:${ORG}`,
        externalRef: 'ref-1',
        resource: ['https://b.example.no/', 'https://a.example.no/'],
        exchange: 'altinn',
        minTtl: 30,
        skipCache: true,
      }),
    ).toStrictEqual({
      scopes: ['a', 'b'],
      org: ORG,
      externalRef: 'ref-1',
      resource: ['https://a.example.no/', 'https://b.example.no/'],
      exchange: 'altinn',
      minTtl: 30,
      skipCache: true,
    });
  });

  it('returns a delegated (consumer_org) request, normalised', () => {
    expect(
      parseTokenRequest({
        scope: 'a',
        consumerOrg: `0192:${OTHER_ORG}`,
        resource: 'https://a.no/',
      }),
    ).toStrictEqual({
      scopes: ['a'],
      consumerOrg: OTHER_ORG,
      resource: ['https://a.no/'],
      minTtl: 0,
      skipCache: false,
    });
  });

  it('refuses consumerOrg together with org', () => {
    expect(rejection({ scope: 'a', org: ORG, consumerOrg: OTHER_ORG })).toBe(
      'consumerOrg: cannot be combined with org (system-user tokens take no consumer_org)',
    );
  });

  it('treats a __proto__ key from JSON.parse as an unknown field', () => {
    expect(rejection(JSON.parse('{"scope":"a","__proto__":{"skipCache":true}}'))).toBe(
      'unknown field "__proto__"',
    );
  });
});

describe('parseTokenRequest: scope', () => {
  it.each([
    ['a single scope', 'altinn:systembruker.demo', ['altinn:systembruker.demo']],
    ['a space-separated string, sorted', 'b a', ['a', 'b']],
    ['extra spaces and duplicates', '  b  a b ', ['a', 'b']],
    ['an array, sorted and unique', ['b', 'a', 'b', 'a'], ['a', 'b']],
    ['RFC 6749 scope-token edge characters', ['!', '#', '[', ']', '~'], ['!', '#', '[', ']', '~']],
    ['a URL-like scope', 'https://x.no/y?z=1', ['https://x.no/y?z=1']],
    ['20 scopes', scopes(20), scopes(20)],
    ['25 copies of one scope', Array(25).fill('krr:read'), ['krr:read']],
    [
      'a scope of the maximum length',
      ['x'.repeat(MAX_SCOPE_LENGTH)],
      ['x'.repeat(MAX_SCOPE_LENGTH)],
    ],
  ])('accepts %s', (_, scope, expected) => {
    expect(parseTokenRequest({ scope }).scopes).toStrictEqual(expected);
  });

  it('sorts by code unit, so the order a caller sends never matters', () => {
    const forward = parseTokenRequest({ scope: ['Z:a', 'a:b', 'A:c', '1'] });
    const backward = parseTokenRequest({ scope: '1 A:c a:b Z:a' });
    expect(forward.scopes).toStrictEqual(['1', 'A:c', 'Z:a', 'a:b']);
    expect(backward).toStrictEqual(forward);
  });

  it.each([
    ['an empty string', ''],
    ['only spaces', '   '],
    ['an empty array', []],
    ['21 scopes', scopes(21)],
    ['21 scopes as a string', scopes(21).join(' ')],
  ])('rejects %s by count', (_, scope) => {
    expect(rejection({ scope })).toBe(`scope: must hold 1 to ${MAX_SCOPES} scopes`);
  });

  it.each([
    ['a double quote', 'a"b'],
    ['a backslash', 'a\\b'],
    ['a tab (the string is split on spaces only)', 'a\tb'],
    ['a newline', 'a\nb'],
    ['a space inside an array element', ['a b']],
    ['an empty array element', ['a', '']],
    ['NUL', ['\u0000']],
    ['DEL', ['a\u007f']],
    ['non-ASCII', ['skatt:ø']],
    ['a non-breaking space', 'a\u00a0b'],
    ['a scope one character too long', ['x'.repeat(MAX_SCOPE_LENGTH + 1)]],
  ])('rejects %s', (_, scope) => {
    expect(rejection({ scope })).toBe(
      `scope: each scope must be 1 to ${MAX_SCOPE_LENGTH} printable characters without whitespace, quotes or backslashes`,
    );
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['a number', 1],
    ['a boolean', true],
    ['an object', { a: 1 }],
    ['an array with a number', ['a', 1]],
    ['an array with null', [null]],
  ])('rejects scope %s as the wrong type', (_, scope) => {
    expect(rejection({ scope })).toBe(
      'scope: must be a space-separated string or an array of strings',
    );
  });
});

describe('parseTokenRequest: org and consumerOrg', () => {
  it.each(['org', 'consumerOrg'] as const)('%s accepts bare and 0192: forms', (field) => {
    expect(parseTokenRequest({ scope: 'a', [field]: ORG })[field]).toBe(ORG);
    expect(parseTokenRequest({ scope: 'a', [field]: `0192:${ORG}` })[field]).toBe(ORG);
  });

  it.each([
    ['org', '123456789'],
    ['org', '0192:123456789'],
    ['org', '12345678'],
    ['org', ''],
    ['org', `${ORG} `],
    ['consumerOrg', '987654321'],
    ['consumerOrg', '0193:910753614'],
  ])('%s rejects %j', (field, value) => {
    expect(rejection({ scope: 'a', [field]: value })).toBe(
      `${field}: must be a 9-digit Norwegian organisation number with a valid check digit`,
    );
  });

  it.each([
    ['org', 910753614],
    ['org', null],
    ['org', [ORG]],
    ['consumerOrg', true],
  ])(
    '%s rejects the non-string %j, saying it is the wrong type (not "required")',
    (field, value) => {
      const message = rejection({ scope: 'a', [field]: value });
      expect(message).toMatch(new RegExp(`^${field}: `));
      expect(message).toContain('expected string');
      expect(message).not.toContain('is required');
    },
  );
});

describe('parseTokenRequest: externalRef', () => {
  it.each([
    ['a simple ref', 'ref-1'],
    ['an orgnr', OTHER_ORG],
    ['non-ASCII letters', 'kundeø'],
    ['dots inside a value', 'a.b..c'],
    ['three dots', '...'],
    ['the maximum length', 'r'.repeat(MAX_EXTERNAL_REF_LENGTH)],
  ])('accepts %s together with org', (_, externalRef) => {
    expect(parseTokenRequest({ scope: 'a', org: ORG, externalRef }).externalRef).toBe(externalRef);
  });

  it('is only allowed together with org', () => {
    expect(rejection({ scope: 'a', externalRef: 'ref' })).toBe(
      'externalRef: is only allowed together with org',
    );
    expect(rejection({ scope: 'a', consumerOrg: ORG, externalRef: 'ref' })).toBe(
      'externalRef: is only allowed together with org',
    );
  });

  it.each([
    ['empty', '', 'externalRef: must not be empty'],
    [
      'one character too long',
      'r'.repeat(MAX_EXTERNAL_REF_LENGTH + 1),
      `externalRef: must be at most ${MAX_EXTERNAL_REF_LENGTH} characters`,
    ],
    // Reference §1 "Route values", §8.6: dot segments are resolved before routing and `/` splits
    // the segment, so Altinn could never look such a system user up by path.
    ...['.', '..', 'a/b', '/', 'a\\b', 'a?b', 'a#b', 'a%2Fb', '100%'].map(
      (value) =>
        [
          `the path-unsafe ${JSON.stringify(value)}`,
          value,
          'externalRef: must not be "." or ".." or contain /, \\, ?, # or %',
        ] as [string, string, string],
    ),
    ['a space', 'a b', 'externalRef: must not contain whitespace or control characters'],
    ['a tab', 'a\tb', 'externalRef: must not contain whitespace or control characters'],
    ['a newline', 'a\nb', 'externalRef: must not contain whitespace or control characters'],
    ['CR', 'a\rb', 'externalRef: must not contain whitespace or control characters'],
    ['NUL', 'a\u0000', 'externalRef: must not contain whitespace or control characters'],
    ['ESC', '\u001b[31m', 'externalRef: must not contain whitespace or control characters'],
    ['DEL', 'a\u007f', 'externalRef: must not contain whitespace or control characters'],
    ['C1 NEL', 'a\u0085', 'externalRef: must not contain whitespace or control characters'],
    [
      'a no-break space',
      'a\u00a0b',
      'externalRef: must not contain whitespace or control characters',
    ],
    [
      'a line separator',
      'a\u2028b',
      'externalRef: must not contain whitespace or control characters',
    ],
    [
      'an ideographic space',
      'a\u3000b',
      'externalRef: must not contain whitespace or control characters',
    ],
  ])('rejects %s', (_, externalRef, message) => {
    expect(rejection({ scope: 'a', org: ORG, externalRef })).toBe(message);
  });

  it('rejects a non-string as the wrong type', () => {
    const message = rejection({ scope: 'a', org: ORG, externalRef: 5 });
    expect(message).toMatch(/^externalRef: /);
    expect(message).not.toContain('is required');
  });
});

describe('parseTokenRequest: resource', () => {
  it.each([
    ['a string', 'https://api.example.no/', ['https://api.example.no/']],
    ['a path and query', 'https://api.example.no/v1?x=1', ['https://api.example.no/v1?x=1']],
    ['a port', 'https://api.example.no:8443/', ['https://api.example.no:8443/']],
    [
      'an array, sorted and unique',
      ['https://b.no/', 'https://a.no/', 'https://b.no/'],
      ['https://a.no/', 'https://b.no/'],
    ],
    ['10 URIs', resources(10), [...resources(10)].sort()],
    [
      '12 entries that are 10 after dedup',
      [...resources(10), 'https://api0.example.no/', 'https://api1.example.no/'],
      [...resources(10)].sort(),
    ],
    [
      'the maximum length',
      `https://a.no/${'x'.repeat(MAX_RESOURCE_LENGTH - 13)}`,
      [`https://a.no/${'x'.repeat(MAX_RESOURCE_LENGTH - 13)}`],
    ],
  ])('accepts %s', (_, resource, expected) => {
    expect(parseTokenRequest({ scope: 'a', resource }).resource).toStrictEqual(expected);
  });

  it('keeps the URI verbatim (it becomes the token audience)', () => {
    expect(
      parseTokenRequest({ scope: 'a', resource: 'https://API.example.no' }).resource,
    ).toStrictEqual(['https://API.example.no']);
  });

  it.each([
    ['http', 'http://api.example.no/'],
    ['upper-case scheme', 'HTTPS://api.example.no/'],
    ['a fragment', 'https://api.example.no/#x'],
    ['an empty fragment', 'https://api.example.no/#'],
    ['a relative reference', '/api'],
    ['a URN', 'urn:altinn:resource:x'],
    ['no host', 'https://'],
    ['a space', 'https://api.example.no/a b'],
    ['a newline', 'https://api.example.no/\n'],
    ['one character too long', `https://a.no/${'x'.repeat(MAX_RESOURCE_LENGTH - 12)}`],
    ['an empty string', ''],
    ['a user and password', 'https://user:pass@api.example.no/'],
    ['a user', 'https://user@api.example.no/'],
    ['a password', 'https://:pass@api.example.no/'],
    ['an empty userinfo', 'https://@api.example.no/'],
  ])('rejects %s given as a string', (_, resource) => {
    expect(rejection({ scope: 'a', resource })).toBe(
      `resource: must be an absolute https URI or an array of them, without a fragment or user information, at most ${MAX_RESOURCE_LENGTH} characters`,
    );
  });

  it('accepts an @ after the authority (in the path or query)', () => {
    expect(
      parseTokenRequest({ scope: 'a', resource: 'https://api.example.no/users/@me?x=a@b' })
        .resource,
    ).toStrictEqual(['https://api.example.no/users/@me?x=a@b']);
  });

  it('names the array element that is not a https URI', () => {
    expect(rejection({ scope: 'a', resource: ['https://a.no/', 'http://b.no/'] })).toBe(
      `resource.1: must be absolute https URIs without a fragment or user information, at most ${MAX_RESOURCE_LENGTH} characters`,
    );
  });

  it.each([
    ['an empty array', []],
    ['11 URIs', resources(11)],
  ])('rejects %s by count', (_, resource) => {
    expect(rejection({ scope: 'a', resource })).toBe(
      `resource: must hold 1 to ${MAX_RESOURCES} URIs`,
    );
  });

  it.each([
    ['a number', 5],
    ['null', null],
    ['an object', { uri: 'https://a.no/' }],
    ['an array with a number', [5]],
  ])('rejects %s', (_, resource) => {
    expect(rejection({ scope: 'a', resource })).toMatch(/^resource(\.\d+)?: /);
  });
});

describe('parseTokenRequest: minTtl, skipCache and exchange', () => {
  it.each([0, 1, 60, MAX_MIN_TTL_SECONDS])('accepts minTtl %d', (minTtl) => {
    expect(parseTokenRequest({ scope: 'a', minTtl }).minTtl).toBe(minTtl);
  });

  it.each([
    [-1, 'minTtl: must not be negative'],
    [MAX_MIN_TTL_SECONDS + 1, `minTtl: must be at most ${MAX_MIN_TTL_SECONDS} seconds`],
    [1.5, 'minTtl: must be a whole number of seconds'],
    ['30', 'minTtl: must be a number of seconds'],
    [true, 'minTtl: must be a number of seconds'],
    [null, 'minTtl: must be a number of seconds'],
    [Number.POSITIVE_INFINITY, 'minTtl: must be a number of seconds'],
    [Number.NaN, 'minTtl: must be a number of seconds'],
  ])('rejects minTtl %j', (minTtl, message) => {
    expect(rejection({ scope: 'a', minTtl })).toBe(message);
  });

  it.each([true, false])('accepts skipCache %j', (skipCache) => {
    expect(parseTokenRequest({ scope: 'a', skipCache }).skipCache).toBe(skipCache);
  });

  it.each(['true', 1, 0, null, 'yes'])('rejects skipCache %j', (skipCache) => {
    expect(rejection({ scope: 'a', skipCache })).toBe('skipCache: must be true or false');
  });

  it('accepts exchange "altinn"', () => {
    expect(parseTokenRequest({ scope: 'a', exchange: 'altinn' }).exchange).toBe('altinn');
  });

  it.each(['ALTINN', 'Altinn', 'maskinporten', '', true, null, ['altinn']])(
    'rejects exchange %j',
    (exchange) => {
      expect(rejection({ scope: 'a', exchange })).toBe('exchange: must be "altinn"');
    },
  );
});

describe('parseTokenRequest: unknown fields', () => {
  it.each([
    [{ scope: 'a', foo: 1 }, 'unknown field "foo"'],
    [{ scope: 'a', Scope: 'b' }, 'unknown field "Scope"'],
    [{ scope: 'a', scopes: ['a'] }, 'unknown field "scopes"'],
    [{ scope: 'a', pid: '12345678901' }, 'unknown field "pid"'],
    [{ scope: 'a', foo: 1, bar: 2 }, 'unknown fields "foo", "bar"'],
    [{ scope: 'a', k1: 1, k2: 2, k3: 3, k4: 4, k5: 5 }, 'unknown fields "k1", "k2", "k3"'],
  ])('rejects %j', (body, message) => {
    expect(rejection(body)).toBe(message);
  });

  it('names a long unknown field by its first 64 characters only', () => {
    const key = `k${'x'.repeat(999)}`;
    const message = rejection({ scope: 'a', [key]: 1 });
    expect(message).toBe(`unknown field ${JSON.stringify(key.slice(0, 64))}`);
  });

  it('escapes control characters in an unknown field name', () => {
    expect(rejection({ scope: 'a', 'a\nb': 1 })).toBe('unknown field "a\\nb"');
  });
});

describe('parseTokenRequest: messages never echo the offending value', () => {
  const GARBAGE = 'GARBAGE-VALUE-'.repeat(40);

  it.each([
    ['scope', { scope: `${GARBAGE}"` }],
    ['scope', { scope: [`${GARBAGE}\\`] }],
    ['scope', { scope: scopes(21, GARBAGE) }],
    ['org', { scope: 'a', org: GARBAGE }],
    ['consumerOrg', { scope: 'a', consumerOrg: GARBAGE }],
    ['externalRef', { scope: 'a', org: ORG, externalRef: `${GARBAGE} ` }],
    ['externalRef', { scope: 'a', org: ORG, externalRef: GARBAGE.repeat(2) }],
    ['externalRef', { scope: 'a', externalRef: GARBAGE }],
    ['resource', { scope: 'a', resource: `http://${GARBAGE}` }],
    ['resource.0', { scope: 'a', resource: [`http://${GARBAGE}`] }],
    ['exchange', { scope: 'a', exchange: GARBAGE }],
    ['minTtl', { scope: 'a', minTtl: GARBAGE }],
    ['skipCache', { scope: 'a', skipCache: GARBAGE }],
    ['unknown field', { scope: 'a', x: GARBAGE }],
  ])('%s', (field, body) => {
    const message = rejection(body);
    expect(message.startsWith(field)).toBe(true);
    expect(message).not.toContain('GARBAGE');
    expect(message.length).toBeLessThan(200);
  });
});

describe('describeIssue', () => {
  it('has a fallback for no issue', () => {
    expect(describeIssue(undefined)).toBe('the body is invalid');
  });
});
