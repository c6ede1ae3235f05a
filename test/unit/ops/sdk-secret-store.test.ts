import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { sdkSecretStore } from '../../../functions/ops/sdk-secret-store.js';

const secretsManager = mockClient(SecretsManagerClient);
const store = () => sdkSecretStore(new SecretsManagerClient({ region: 'eu-north-1' }));

afterEach(() => secretsManager.reset());

// The ops tools (npm run keys --env, preflight) read the configuration secret through the SDK.
describe('sdkSecretStore', () => {
  it('reads the current value of the named secret as JSON', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'broker/test' })
      .resolves({ SecretString: '{"clientId":"c1"}' });

    await expect(store().getJson('broker/test')).resolves.toEqual({ clientId: 'c1' });
  });

  it('is a SyntaxError when the value is not JSON', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{not json' });

    await expect(store().getJson('broker/test')).rejects.toBeInstanceOf(SyntaxError);
  });

  it('passes the SDK’s error on, so its name says why', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(store().getJson('broker/test')).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});
