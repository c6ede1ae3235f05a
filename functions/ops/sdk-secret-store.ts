import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../shared/ports/secret-store.js';

/**
 * The ops tools' {@link SecretStore} (`npm run keys --env`, preflight): Secrets Manager through the
 * SDK's client, with whatever credentials that client has (the ops role). The Lambdas read with
 * the hand-signed `SecretsManagerStore` instead, to keep the SDK client out of their bundle.
 * Errors are the SDK's own (their `name` says why: `AccessDeniedException`, ...); a value that is
 * not JSON is a `SyntaxError`.
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
export function sdkSecretStore(client: SecretsManagerClient): SecretStore {
  return {
    getJson: async (name) => {
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: name }));
      return JSON.parse(SecretString ?? '');
    },
  };
}
