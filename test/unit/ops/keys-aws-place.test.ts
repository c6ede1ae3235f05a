import { describe, expect, it } from 'vitest';
import { resolveKeysTarget } from '../../../functions/ops/keys-connect.js';
import { ENVIRONMENTS } from '../../../infra/config.js';
import { mockKmsWithRealKey } from '../../support/kms-mock.js';

// `npm run keys -- --env test|prod` without key variables uses the environment's live KMS keys, and
// must name them as the broker does: the client id and kids from the configuration secret.
describe('npm run keys --env test: keys as the broker signs with them', () => {
  const names: string[] = [];
  const secretOf = (value: unknown) => ({
    getJson: async (name: string) => {
      names.push(name);
      return value;
    },
  });

  it('takes the client id and the kids from the environment’s configuration secret', async () => {
    const { client } = mockKmsWithRealKey();
    const target = await resolveKeysTarget('test', {
      sandboxUrl: 'http://127.0.0.1:8080',
      processEnv: {},
      kmsClient: client,
      secrets: secretOf({ clientId: 'client-from-secret', kid: 'kid-from-secret' }),
    });

    expect(names).toEqual([ENVIRONMENTS.test.names.secret]);
    expect(target.clientId).toBe('client-from-secret');
    expect(target.keys.active.kid).toBe('kid-from-secret');
  });

  it('is a configuration error (exit code 2) when the secret cannot be read', async () => {
    const { client } = mockKmsWithRealKey();
    await expect(
      resolveKeysTarget('test', {
        sandboxUrl: 'http://127.0.0.1:8080',
        processEnv: {},
        kmsClient: client,
        secrets: {
          getJson: async () => {
            throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
          },
        },
      }),
    ).rejects.toMatchObject({
      name: 'KeysConfigError',
      message: expect.stringContaining(
        `cannot read the client id and kids from ${ENVIRONMENTS.test.names.secret}`,
      ),
    });
  });
});
