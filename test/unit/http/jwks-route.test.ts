import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFileGrantSigner } from '../../../shared/adapters/signing/file-grant-signer.js';
import { publicJwkSet } from '../../../shared/http/jwks-route.js';
import type { GrantSigner, PublicSigningJwk } from '../../../shared/ports/grant-signer.js';
import { testRsaPrivateKey } from '../../support/kms-mock.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];
const activeKey = testRsaPrivateKey();
const nextKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

function signerFromJwk(key: typeof activeKey, kid: string) {
  return createFileGrantSigner({ key: JSON.stringify({ ...key.export({ format: 'jwk' }), kid }) });
}

describe('publicJwkSet', () => {
  it('lists active then next, public members only', async () => {
    // Prepare
    const active = await signerFromJwk(activeKey, 'active');
    const next = await signerFromJwk(nextKey, 'next');

    // Act
    const jwks = await publicJwkSet({ active, published: [active, next] });

    // Assess
    expect(jwks.keys.map((key) => key.kid)).toStrictEqual(['active', 'next']);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toStrictEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
    expect(jwks.keys[1]?.n).toBe(nextKey.export({ format: 'jwk' }).n);
    expect(JSON.stringify(jwks)).not.toContain(activeKey.export({ format: 'jwk' }).d);
  });

  it('lists each kid once', async () => {
    const active = await signerFromJwk(activeKey, 'active');

    const jwks = await publicJwkSet({ active, published: [active, active] });

    expect(jwks.keys).toHaveLength(1);
  });

  it('keeps the first key when two share a kid', async () => {
    const active = await signerFromJwk(activeKey, 'same');
    const impostor = await signerFromJwk(nextKey, 'same');

    const jwks = await publicJwkSet({ active, published: [active, impostor] });

    expect(jwks.keys).toStrictEqual([await active.publicJwk()]);
  });

  it('includes the active key even if published forgot it', async () => {
    const active = await signerFromJwk(activeKey, 'active');
    const next = await signerFromJwk(nextKey, 'next');

    const jwks = await publicJwkSet({ active, published: [next] });

    expect(jwks.keys.map((key) => key.kid)).toStrictEqual(['active', 'next']);
  });

  it('strips private members a misbehaving signer leaks', async () => {
    const { d, p, q, dp, dq, qi, n, e } = activeKey.export({ format: 'jwk' });
    const leaky: GrantSigner = {
      kid: 'leaky',
      sign: async () => 'x.y.z',
      publicJwk: async () =>
        ({
          kty: 'RSA',
          n,
          e,
          d,
          p,
          q,
          dp,
          dq,
          qi,
          kid: 'leaky',
          alg: 'RS256',
          use: 'sig',
        }) as PublicSigningJwk,
    };

    const jwks = await publicJwkSet({ active: leaky, published: [leaky] });

    expect(jwks.keys).toStrictEqual([{ kty: 'RSA', n, e, kid: 'leaky', alg: 'RS256', use: 'sig' }]);
  });
});
