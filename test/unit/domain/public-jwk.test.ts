import { describe, expect, it } from 'vitest';
import {
  publicJwkMembers,
  rsaModulusBits,
  signingKeyProblems,
} from '../../../shared/domain/public-jwk.js';
import { rsaTestKey } from '../../support/rsa-jwks.js';

// ../shared/reference/maskinporten-admin-api.md §4: RS256 with RSA-2048, kty/alg/use/e/n and kid
// required, kid of letters, digits and `._-`, public parts only.

describe('rsaModulusBits', () => {
  it('counts the bits of a real 2048-bit modulus', () => {
    expect(rsaModulusBits(rsaTestKey('a').jwk.n)).toBe(2048);
  });

  it('ignores leading zero bytes and counts the top byte exactly', () => {
    const top = (byte: number, length: number) =>
      Buffer.concat([Buffer.from([0, 0, byte]), Buffer.alloc(length - 1, 0xff)]).toString(
        'base64url',
      );
    expect(rsaModulusBits(top(0x80, 256))).toBe(2048);
    expect(rsaModulusBits(top(0x7f, 256))).toBe(2047);
    expect(rsaModulusBits(top(0x01, 257))).toBe(2049);
  });

  it('is 0 for something that is not base64url', () => {
    expect(rsaModulusBits('not+base64/url=')).toBe(0);
    expect(rsaModulusBits('AAAA')).toBe(0);
  });
});

describe('signingKeyProblems', () => {
  it('finds none in a real RS256 key', () => {
    expect(signingKeyProblems({ ...rsaTestKey('broker-2026-01.a_b').jwk })).toEqual([]);
  });

  it('names every private member present', () => {
    const { privateJwk } = rsaTestKey('k');

    expect(signingKeyProblems(privateJwk)).toEqual([
      'private members must not be sent (d, p, q, dp, dq, qi)',
    ]);
  });
});

describe('publicJwkMembers', () => {
  it('copies kty, kid, n, e, alg, use and x5c, and nothing else', () => {
    const { privateJwk } = rsaTestKey('k');

    const copy = publicJwkMembers({ ...privateJwk, x5c: ['MIIB'], exp: 1 } as never);

    expect(Object.keys(copy).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use', 'x5c']);
  });
});
