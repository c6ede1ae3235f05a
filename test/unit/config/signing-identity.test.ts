import { describe, expect, it } from 'vitest';
import { readSigningIdentity } from '../../../shared/config/signing-identity.js';
import type { SecretStore } from '../../../shared/ports/secret-store.js';

const NAME = 'maskinporten-broker/test/config';

/** A store holding one secret; records what was asked for. */
function storeWith(value: unknown): SecretStore & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getJson: async (name) => {
      asked.push(name);
      return value;
    },
  };
}

// The key sync, the preflight and `npm run keys --env` name the broker's client and kids from here.
describe('readSigningIdentity', () => {
  it('reads the client id and both kids from the named secret', async () => {
    const store = storeWith({ clientId: 'client-1', kid: 'k1', kidNext: 'k2' });

    await expect(readSigningIdentity(store, NAME)).resolves.toStrictEqual({
      clientId: 'client-1',
      kid: 'k1',
      kidNext: 'k2',
    });
    expect(store.asked).toEqual([NAME]);
  });

  it('leaves out the kids the secret does not name (the key’s thumbprint is then the kid)', async () => {
    await expect(
      readSigningIdentity(storeWith({ clientId: 'client-1' }), NAME),
    ).resolves.toStrictEqual({ clientId: 'client-1' });
  });

  it('returns only the identity: the system id and an old policy stay with the token function', async () => {
    const store = storeWith({
      clientId: 'client-1',
      kidNext: 'k2',
      systemId: '991825827_broker',
      policy: { rules: [] },
    });

    await expect(readSigningIdentity(store, NAME)).resolves.toStrictEqual({
      clientId: 'client-1',
      kidNext: 'k2',
    });
  });

  it.each([
    ['no clientId', { kid: 'k1' }, 'clientId: is required'],
    ['an empty clientId', { clientId: '' }, 'clientId: must not be empty'],
  ])('refuses a secret with %s, naming the secret and the field', async (_, value, problem) => {
    await expect(readSigningIdentity(storeWith(value), NAME)).rejects.toThrow(
      new TypeError(`secret ${NAME} is invalid: ${problem}`),
    );
  });

  it.each([
    ['a kid that is not a string', { clientId: 'c', kid: 7 }, 'kid: '],
    ['an empty kidNext', { clientId: 'c', kidNext: '' }, 'kidNext: '],
    ['a field the secret does not have', { clientId: 'c', kids: ['k1'] }, 'unknown field "kids"'],
    ['not an object', 'client-1', 'body: '],
    ['null', null, 'body: '],
  ])('refuses %s', async (_, value, problem) => {
    const error = await readSigningIdentity(storeWith(value), NAME).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toContain(`secret ${NAME} is invalid: ${problem}`);
  });

  it('passes the store’s error on as it is (its wording belongs to each caller)', async () => {
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    const store: SecretStore = {
      getJson: async () => {
        throw denied;
      },
    };

    await expect(readSigningIdentity(store, NAME)).rejects.toBe(denied);
  });
});
