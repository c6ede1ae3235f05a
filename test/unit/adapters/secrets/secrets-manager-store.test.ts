import { describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../../../../shared/adapters/secrets/secrets-manager-store.js';
import {
  type Answer,
  CREDENTIALS,
  fakeAwsJson,
  useFakeAws,
} from '../../../support/fake-aws-json.js';

// Secrets Manager's GetSecretValue over AWS JSON 1.1, against a loopback Secrets Manager that
// checks the SigV4 signature (the broker reads its configuration secret once per container).

const NAME = 'arn:aws:secretsmanager:eu-north-1:111122223333:secret:broker-config';

async function fakeSecretsManager(answers: Answer[]) {
  const { endpoint, seen } = await fakeAwsJson('secretsmanager', answers);
  const store = new SecretsManagerStore({
    region: 'eu-north-1',
    credentials: async () => CREDENTIALS,
    endpoint,
    timeoutMs: 200,
  });
  return { store, seen };
}

describe('SecretsManagerStore (GetSecretValue, signed)', () => {
  useFakeAws();

  it('reads the secret string as JSON, with a valid SigV4 signature', async () => {
    const { store, seen } = await fakeSecretsManager([
      { status: 200, body: JSON.stringify({ ARN: NAME, SecretString: '{"clientId":"abc"}' }) },
    ]);

    expect(await store.getJson(NAME)).toEqual({ clientId: 'abc' });
    expect(seen).toEqual([
      {
        target: 'secretsmanager.GetSecretValue',
        contentType: 'application/x-amz-json-1.1',
        body: { SecretId: NAME },
        signed: true,
      },
    ]);
  });

  it('names the secret and the AWS error, never a value', async () => {
    const { store } = await fakeSecretsManager([
      {
        status: 400,
        body: '{"__type":"ResourceNotFoundException","Message":"Secrets Manager can\'t find the specified secret."}',
      },
    ]);
    await expect(store.getJson(NAME)).rejects.toThrow(
      `could not read secret ${NAME} as JSON (ResourceNotFoundException)`,
    );
  });

  it('refuses a secret that is not JSON without quoting it', async () => {
    const { store } = await fakeSecretsManager([
      { status: 200, body: JSON.stringify({ SecretString: 'hunter2-not-json' }) },
    ]);
    const error = await store.getJson(NAME).catch((caught: Error) => caught);
    expect((error as Error).message).toBe(`could not read secret ${NAME} as JSON (SyntaxError)`);
  });

  it('refuses an empty or binary secret', async () => {
    const { store } = await fakeSecretsManager([
      { status: 200, body: JSON.stringify({ SecretBinary: 'e30=' }) },
    ]);
    await expect(store.getJson(NAME)).rejects.toThrow(`secret ${NAME} is empty`);
  });

  it('tries once more after a throttle', async () => {
    const { store, seen } = await fakeSecretsManager([
      { status: 400, body: '{"__type":"ThrottlingException","message":"Rate exceeded"}' },
      { status: 200, body: JSON.stringify({ SecretString: '{"a":1}' }) },
    ]);
    expect(await store.getJson(NAME)).toEqual({ a: 1 });
    expect(seen).toHaveLength(2);
  });
});
