import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  altinnTokenCacheKey,
  type BrokerIdentity,
  tokenCacheKey,
} from '../../../shared/domain/cache-key.js';
import { parseTokenRequest, type TokenRequest } from '../../../shared/domain/token-request.js';

const identity: BrokerIdentity = {
  issuer: 'https://test.maskinporten.no/',
  clientId: 'client-1',
  kid: 'kid-1',
};
const body = {
  scope: 'a:read b:write',
  org: '910753614',
  externalRef: 'ref-1',
  resource: ['https://a.example.no/'],
};
const baseKey = tokenCacheKey(identity, parseTokenRequest(body));
/** A delegated request: `consumerOrg` cannot be combined with `org`. */
const delegated = { scope: 'a:read', consumerOrg: '313725138', resource: 'https://a.example.no/' };
const delegatedKey = tokenCacheKey(identity, parseTokenRequest(delegated));

describe('tokenCacheKey', () => {
  it('is a base64url SHA-256 with no readable request data in it', () => {
    expect(baseKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const part of ['910753614', '313725138', 'ref-1', 'a:read', 'client-1']) {
      expect(baseKey).not.toContain(part);
    }
  });

  it('is stable', () => {
    expect(tokenCacheKey({ ...identity }, parseTokenRequest({ ...body }))).toBe(baseKey);
  });

  it.each([
    ['issuer', { issuer: 'https://maskinporten.no/' }],
    ['issuer without the trailing slash', { issuer: 'https://test.maskinporten.no' }],
    ['clientId', { clientId: 'client-2' }],
    ['kid (key rotation)', { kid: 'kid-2' }],
  ])('changes with the identity’s %s', (_, change) => {
    expect(tokenCacheKey({ ...identity, ...change }, parseTokenRequest(body))).not.toBe(baseKey);
  });

  it.each([
    ['an added scope', { scope: 'a:read b:write c:x' }],
    ['a removed scope', { scope: 'a:read' }],
    ['another scope', { scope: 'a:read b:read' }],
    ['another org', { org: '991825827' }],
    ['no org (and so no externalRef)', { org: undefined, externalRef: undefined }],
    ['another externalRef', { externalRef: 'ref-2' }],
    ['no externalRef', { externalRef: undefined }],
    ['another resource', { resource: 'https://b.example.no/' }],
    ['an added resource', { resource: ['https://a.example.no/', 'https://b.example.no/'] }],
    ['no resource', { resource: undefined }],
  ])('changes with %s', (_, change) => {
    expect(tokenCacheKey(identity, parseTokenRequest({ ...body, ...change }))).not.toBe(baseKey);
  });

  it.each([
    ['another consumerOrg', { consumerOrg: '991825827' }],
    ['no consumerOrg', { consumerOrg: undefined }],
    ['another resource', { resource: 'https://b.example.no/' }],
    ['another scope', { scope: 'a:write' }],
  ])('changes a delegated key with %s', (_, change) => {
    expect(tokenCacheKey(identity, parseTokenRequest({ ...delegated, ...change }))).not.toBe(
      delegatedKey,
    );
  });

  it.each([
    ['minTtl', { minTtl: 3600 }],
    ['skipCache', { skipCache: true }],
    ['both', { minTtl: 5, skipCache: true }],
    ['scope order', { scope: 'b:write a:read' }],
    ['scopes given as an array with duplicates', { scope: ['b:write', 'a:read', 'b:write'] }],
    ['extra spaces in the scope string', { scope: '  a:read   b:write ' }],
    ['org with the 0192: prefix', { org: '0192:910753614' }],
    ['one resource as a string', { resource: 'https://a.example.no/' }],
  ])('does not change with %s', (_, change) => {
    expect(tokenCacheKey(identity, parseTokenRequest({ ...body, ...change }))).toBe(baseKey);
  });

  it('does not change a delegated key with the 0192: prefix, minTtl or skipCache', () => {
    const same = { ...delegated, consumerOrg: '0192:313725138', minTtl: 60, skipCache: true };
    expect(tokenCacheKey(identity, parseTokenRequest(same))).toBe(delegatedKey);
  });

  it('does not change with resource order or duplicates', () => {
    const a = parseTokenRequest({ scope: 'x', resource: ['https://b.no/', 'https://a.no/'] });
    const b = parseTokenRequest({
      scope: 'x',
      resource: ['https://a.no/', 'https://b.no/', 'https://a.no/'],
    });
    expect(tokenCacheKey(identity, a)).toBe(tokenCacheKey(identity, b));
  });

  it('does not let one field’s text run into the next', () => {
    const split = (issuer: string, clientId: string) =>
      tokenCacheKey({ ...identity, issuer, clientId }, parseTokenRequest({ scope: 'a' }));
    expect(split('https://a/', 'bc')).not.toBe(split('https://a/b', 'c'));
    const scopes = (scope: string[]) => tokenCacheKey(identity, parseTokenRequest({ scope }));
    expect(scopes(['a', 'b'])).not.toBe(scopes(['a,b']));
    expect(scopes(['a', 'b'])).not.toBe(scopes(['ab']));
  });

  it('tells org apart from consumerOrg', () => {
    const asOrg = parseTokenRequest({ scope: 'a', org: '910753614' });
    const asConsumer = parseTokenRequest({ scope: 'a', consumerOrg: '910753614' });
    expect(tokenCacheKey(identity, asOrg)).not.toBe(tokenCacheKey(identity, asConsumer));
  });

  it('treats an explicitly undefined optional field like an absent one', () => {
    const absent: TokenRequest = { scopes: ['a'], minTtl: 0, skipCache: false };
    const undefinedFields: TokenRequest = { ...absent, org: undefined, resource: undefined };
    expect(tokenCacheKey(identity, undefinedFields)).toBe(tokenCacheKey(identity, absent));
  });

  it('is equal iff every identity field is equal (property)', () => {
    const pick = <T>(...values: T[]) => fc.constantFrom(...values);
    const optional = <T>(...values: T[]) => fc.option(pick(...values), { nil: undefined });
    const scopeSet = fc
      .subarray(['a:x', 'b:y', 'c:z'], { minLength: 1 })
      .map((scopes) => [...scopes].sort());
    const resourceSet = fc.option(
      fc.subarray(['https://a.no/', 'https://b.no/'], { minLength: 1 }).map((r) => [...r].sort()),
      { nil: undefined },
    );
    const tuple = fc.record({
      issuer: pick('https://test.maskinporten.no/', 'https://maskinporten.no/'),
      clientId: pick('c1', 'c2'),
      kid: pick('k1', 'k2'),
      scopes: scopeSet,
      org: optional('910753614', '313725138'),
      externalRef: optional('r1', 'r2'),
      resource: resourceSet,
      consumerOrg: optional('910753614', '991825827'),
      minTtl: fc.integer({ min: 0, max: 3600 }),
      skipCache: fc.boolean(),
    });
    type Tuple = typeof tuple extends fc.Arbitrary<infer T> ? T : never;
    const identityOf = ({ minTtl: _m, skipCache: _s, ...rest }: Tuple) => rest;
    const keyOf = (t: Tuple) => {
      const request: TokenRequest = { scopes: t.scopes, minTtl: t.minTtl, skipCache: t.skipCache };
      if (t.org !== undefined) request.org = t.org;
      if (t.externalRef !== undefined) request.externalRef = t.externalRef;
      if (t.resource !== undefined) request.resource = t.resource;
      if (t.consumerOrg !== undefined) request.consumerOrg = t.consumerOrg;
      return tokenCacheKey({ issuer: t.issuer, clientId: t.clientId, kid: t.kid }, request);
    };
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        const same = JSON.stringify(identityOf(a)) === JSON.stringify(identityOf(b));
        expect(keyOf(a) === keyOf(b)).toBe(same);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('altinnTokenCacheKey', () => {
  it('derives a distinct key from the Maskinporten key', () => {
    expect(altinnTokenCacheKey(baseKey)).toBe(`altinn:${baseKey}`);
    expect(altinnTokenCacheKey(baseKey)).not.toBe(baseKey);
  });

  it('cannot collide with a Maskinporten key (base64url has no colon)', () => {
    expect(baseKey).not.toContain(':');
  });
});
