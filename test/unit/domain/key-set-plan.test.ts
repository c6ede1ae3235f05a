import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DIGDIR_KEY_LIMIT,
  type KeySetPlan,
  type KeySetPlanInput,
  planKeySetSync,
  type RegisteredKey,
} from '../../../shared/domain/key-set-plan.js';
import { PRIVATE_JWK_MEMBERS, type RsaPublicJwk } from '../../../shared/domain/public-jwk.js';
import { rsaTestKey } from '../../support/rsa-jwks.js';

// Rules under test: ../shared/reference/maskinporten-admin-api.md §3 (whole-set replacement, no
// single-key operations), §4 (at most 5 keys, RS256/RSA-2048, kid characters, public parts only),
// §5 (add next, switch, then remove the old key); issue 14 §1 for what `sync` keeps and prunes.

const keys: Record<string, RsaPublicJwk> = {};
const privateJwks: Record<string, Record<string, unknown>> = {};

beforeAll(() => {
  for (const kid of ['active-1', 'next-1', 'old-1', 'portal-a', 'portal-b', 'portal-c', 'x']) {
    const key = rsaTestKey(kid);
    keys[kid] = key.jwk;
    privateJwks[kid] = key.privateJwk;
  }
});

const at = (jwk: RsaPublicJwk, extra: Partial<RegisteredKey> = {}): RegisteredKey => ({
  jwk,
  expiresAt: Date.UTC(2027, 0, 1),
  ...extra,
});
const k = (kid: string) => keys[kid] as RsaPublicJwk;
const plan = (input: Partial<KeySetPlanInput> & Pick<KeySetPlanInput, 'registered'>) =>
  planKeySetSync({ active: k('active-1'), ...input });

/** The set Digdir holds after `result` was posted (§3: the POST answer is the stored set). */
function afterWrite(result: KeySetPlan): RegisteredKey[] {
  if (result.action !== 'write') throw new Error(`expected a write, got ${result.action}`);
  return result.keys.map((jwk) => at(jwk));
}

describe('planKeySetSync: the registered set must hold active + next', () => {
  it('adds the next key and keeps the active one, as one whole set (§3, §5 step 1)', () => {
    const result = plan({ registered: [at(k('active-1'))], next: k('next-1') });

    expect(result).toMatchObject({ action: 'write', added: ['next-1'], removed: [], kept: [] });
    expect(result.action === 'write' && result.keys.map((key) => key.kid)).toEqual([
      'active-1',
      'next-1',
    ]);
  });

  it('registers the active key when Digdir holds none of the broker keys', () => {
    const result = plan({ registered: [] });

    expect(result).toMatchObject({ action: 'write', added: ['active-1'] });
  });

  it('writes nothing when the set already holds active + next (issue 14: idempotent)', () => {
    const result = plan({ registered: [at(k('next-1')), at(k('active-1'))], next: k('next-1') });

    expect(result).toEqual({ action: 'none', kids: ['next-1', 'active-1'] });
  });

  it('writes nothing on a second plan over what the first one wrote', () => {
    const first = plan({ registered: [at(k('portal-a'))], next: k('next-1'), retired: ['old-1'] });
    const second = plan({ registered: afterWrite(first), next: k('next-1'), retired: ['old-1'] });

    expect(second.action).toBe('none');
  });

  it('rewrites a broker key registered with the same material but another alg (§4: RS256)', () => {
    const registered = at({ ...k('active-1'), alg: 'RS512' });

    const result = plan({ registered: [registered] });

    expect(result).toMatchObject({ action: 'write', updated: ['active-1'], added: [] });
    expect(result.action === 'write' && result.keys[0]?.alg).toBe('RS256');
  });
});

describe('planKeySetSync: keys the broker does not know', () => {
  it('keeps them without prune', () => {
    const registered = [at(k('portal-a')), at(k('active-1')), at(k('portal-b'))];

    const result = plan({ registered, next: k('next-1') });

    expect(result).toMatchObject({ action: 'write', kept: ['portal-a', 'portal-b'] });
    expect(result.action === 'write' && result.keys.map((key) => key.kid)).toEqual([
      'active-1',
      'next-1',
      'portal-a',
      'portal-b',
    ]);
  });

  it('removes them with prune, leaving exactly active + next', () => {
    const registered = [at(k('portal-a')), at(k('active-1')), at(k('old-1'))];

    const result = plan({ registered, next: k('next-1'), prune: true });

    expect(result).toMatchObject({ removed: ['portal-a', 'old-1'], kept: [], added: ['next-1'] });
    expect(result.action === 'write' && result.keys.map((key) => key.kid)).toEqual([
      'active-1',
      'next-1',
    ]);
  });

  it('removes retired kids without prune (§5 step 5), and keeps the rest', () => {
    const registered = [at(k('active-1')), at(k('old-1')), at(k('portal-a'))];

    const result = plan({ registered, retired: ['old-1'] });

    expect(result).toMatchObject({ action: 'write', removed: ['old-1'], kept: ['portal-a'] });
  });

  it('after promotion, prune leaves exactly the active key (issue 14, done when)', () => {
    const registered = [at(k('active-1')), at(k('old-1'))];

    const result = plan({ registered, prune: true });

    expect(result.action === 'write' && result.keys.map((key) => key.kid)).toEqual(['active-1']);
  });

  it('never removes the active key, whatever the options', () => {
    fc.assert(
      fc.property(
        fc.subarray(['portal-a', 'portal-b', 'portal-c', 'old-1', 'active-1', 'next-1']),
        fc.boolean(),
        fc.boolean(),
        fc.subarray(['portal-a', 'old-1', 'x']),
        (registeredKids, prune, withNext, retired) => {
          const result = plan({
            registered: registeredKids.map((kid) => at(k(kid))),
            next: withNext ? k('next-1') : undefined,
            prune,
            retired,
          });
          if (result.action === 'write') {
            expect(result.keys.map((key) => key.kid)).toContain('active-1');
            expect(result.removed).not.toContain('active-1');
            if (withNext) expect(result.keys.map((key) => key.kid)).toContain('next-1');
            expect(
              plan({
                registered: afterWrite(result),
                next: withNext ? k('next-1') : undefined,
                prune,
                retired,
              }).action,
            ).toBe('none');
          }
        },
      ),
    );
  });
});

describe(`planKeySetSync: Digdir's limit of ${DIGDIR_KEY_LIMIT} keys (§4)`, () => {
  it('refuses, naming the limit and the keys, when the result would hold 6', () => {
    const registered = ['active-1', 'portal-a', 'portal-b', 'portal-c', 'x'].map((kid) =>
      at(k(kid)),
    );

    const result = plan({ registered, next: k('next-1') });

    expect(result).toMatchObject({ action: 'refused', reason: 'over_limit' });
    const message = result.action === 'refused' ? result.message : '';
    expect(message).toContain('at most 5 keys');
    expect(message).toContain('would register 6');
    for (const kid of ['active-1', 'next-1', 'portal-a', 'portal-b', 'portal-c', 'x']) {
      expect(message).toContain(kid);
    }
    expect(message).toContain('Nothing was changed');
  });

  it('accepts exactly 5', () => {
    const registered = ['active-1', 'portal-a', 'portal-b', 'portal-c'].map((kid) => at(k(kid)));

    expect(plan({ registered, next: k('next-1') })).toMatchObject({ action: 'write' });
  });

  it('fits with prune what would not fit without it', () => {
    const registered = ['active-1', 'portal-a', 'portal-b', 'portal-c', 'x'].map((kid) =>
      at(k(kid)),
    );

    expect(plan({ registered, next: k('next-1'), prune: true })).toMatchObject({
      action: 'write',
      removed: ['portal-a', 'portal-b', 'portal-c', 'x'],
    });
  });

  it('honours a smaller configured limit', () => {
    const result = plan({
      registered: [at(k('active-1')), at(k('portal-a'))],
      next: k('next-1'),
      limit: 2,
    });

    expect(result).toMatchObject({ action: 'refused', reason: 'over_limit' });
  });
});

describe('planKeySetSync: only public members travel (§4 "Public parts only")', () => {
  it('never puts d, p, q, dp, dq, qi (or exp, created) in the set to post', () => {
    const registeredWithServerFields = at({
      ...k('portal-a'),
      exp: 1_800_000_000,
      created: '2026-01-01T00:00:00Z',
    } as unknown as RsaPublicJwk);

    const result = plan({ registered: [registeredWithServerFields], next: k('next-1') });

    expect(result.action).toBe('write');
    for (const key of result.action === 'write' ? result.keys : []) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    }
  });

  it('refuses a private JWK given as the active or next key, as bad input', () => {
    const result = plan({
      registered: [],
      next: privateJwks['next-1'] as unknown as RsaPublicJwk,
    });

    expect(result).toMatchObject({ action: 'refused', reason: 'invalid_input' });
    const message = result.action === 'refused' ? result.message : '';
    expect(message).toContain('next key next-1: private members must not be sent');
    expect(message).toContain(`(${PRIVATE_JWK_MEMBERS.slice(0, 6).join(', ')})`);
    expect(message).not.toContain(String(privateJwks['next-1']?.['d']));
  });

  it('keeps x5c on a key someone else registered with a certificate', () => {
    const withCert = { ...k('portal-a'), x5c: ['MIIBcert'] };

    const result = plan({ registered: [at(withCert)], next: k('next-1') });

    expect(result.action === 'write' && result.keys[2]).toEqual(withCert);
  });
});

describe('planKeySetSync: RS256 / RSA-2048 and kid rules (§4)', () => {
  it.each([
    ['alg RS512', { alg: 'RS512' }, 'alg must be RS256'],
    ['no alg', { alg: undefined }, 'alg must be RS256'],
    ['use enc', { use: 'enc' }, 'use must be sig'],
    ['kty EC', { kty: 'EC' }, 'kty must be RSA'],
    ['a kid with a space', { kid: 'my key' }, 'kid must be'],
    ['a kid with a slash', { kid: 'a/b' }, 'kid must be'],
  ])('refuses an active key with %s', (_label, change, problem) => {
    const active = { ...k('active-1'), ...change } as RsaPublicJwk;

    const result = planKeySetSync({ registered: [], active });

    expect(result).toMatchObject({ action: 'refused', reason: 'invalid_input' });
    expect(result.action === 'refused' && result.message).toContain(problem);
  });

  it('refuses a 1024-bit and a 3072-bit modulus (Digdir: key length 2048)', () => {
    const modulus3072 = Buffer.alloc(384, 0xc5).toString('base64url');
    for (const active of [rsaTestKey('small', 1024).jwk, { ...k('active-1'), n: modulus3072 }]) {
      const result = planKeySetSync({ registered: [], active });

      expect(result.action === 'refused' && result.message).toContain('n must be a 2048-bit');
    }
  });

  it('refuses a next key with the active kid, and an active kid listed as retired', () => {
    expect(plan({ registered: [], next: { ...k('next-1'), kid: 'active-1' } })).toMatchObject({
      reason: 'invalid_input',
    });
    expect(plan({ registered: [], retired: ['active-1'] })).toMatchObject({
      reason: 'invalid_input',
    });
  });

  it('refuses, changing nothing, when Digdir holds the broker kid with another key', () => {
    const impostor = { ...k('portal-a'), kid: 'next-1' };

    const result = plan({ registered: [at(k('active-1')), at(impostor)], next: k('next-1') });

    expect(result).toMatchObject({ action: 'refused', reason: 'kid_conflict' });
    expect(result.action === 'refused' && result.message).toContain('kid next-1');
  });

  it('refuses when Digdir lists one kid twice', () => {
    const result = plan({ registered: [at(k('portal-a')), at(k('portal-a'))] });

    expect(result).toMatchObject({ action: 'refused', reason: 'kid_conflict' });
  });
});
