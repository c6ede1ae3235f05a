import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { resolveKid, toPublicSigningJwk } from '../../../../shared/adapters/signing/kid.js';
import { testRsaPrivateKey } from '../../../support/kms-mock.js';

const privateKey = testRsaPrivateKey();
const publicKey = createPublicKey(privateKey);
const { n, e } = publicKey.export({ format: 'jwk' });

describe('resolveKid', () => {
  it('prefers the configured kid', async () => {
    expect(await resolveKid(publicKey, { configured: 'conf', fromJwk: 'jwk' })).toBe('conf');
  });

  it("falls back to the JWK's own kid", async () => {
    expect(await resolveKid(publicKey, { fromJwk: 'jwk' })).toBe('jwk');
  });

  it('falls back to the RFC 7638 SHA-256 thumbprint', async () => {
    const kid = await resolveKid(publicKey);

    expect(kid).toBe(await calculateJwkThumbprint({ kty: 'RSA', n: n!, e: e! }, 'sha256'));
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    [{ configured: '' }, 'The configured kid must be a non-empty string'],
    [{ fromJwk: 7 }, 'The JWK "kid" member must be a non-empty string'],
    [{ fromJwk: ' ' }, 'The JWK "kid" member must be a non-empty string'],
  ])('rejects an unusable kid %o', async (sources, message) => {
    await expect(resolveKid(publicKey, sources)).rejects.toThrow(message);
  });
});

describe('toPublicSigningJwk', () => {
  it('returns exactly kty, n, e, kid, alg and use', () => {
    expect(toPublicSigningJwk(publicKey, 'k')).toStrictEqual({
      kty: 'RSA',
      n,
      e,
      kid: 'k',
      alg: 'RS256',
      use: 'sig',
    });
  });

  it('refuses a private key, so private members cannot be exported by mistake', () => {
    expect(() => toPublicSigningJwk(privateKey, 'k')).toThrow(
      'Expected a public RSA key, got a private rsa key',
    );
  });

  it('refuses a non-RSA key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

    expect(() => toPublicSigningJwk(ec, 'k')).toThrow(
      'Expected a public RSA key, got a public ec key',
    );
  });
});
