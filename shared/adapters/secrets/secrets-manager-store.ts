import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { SecretStore } from '../../ports/secret-store.js';
import { AwsCallError, AwsJsonClient } from '../aws/aws-json-client.js';

export interface SecretsManagerStoreOptions {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  /** Default: `https://secretsmanager.<region>.amazonaws.com`. */
  endpoint?: string;
  fetch?: typeof fetch;
  /** How long one attempt may take, ms (default 2000). */
  timeoutMs?: number;
}

/**
 * Secrets Manager's `GetSecretValue` (the current version), signed by hand ({@link AwsJsonClient})
 * instead of through `@aws-sdk/client-secrets-manager` and Powertools Parameters: about 20 KB of
 * the Lambda bundle for the one read a cold start makes (the broker reads its configuration secret
 * once per container). Errors name the secret and the AWS error type, never its value.
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
export class SecretsManagerStore implements SecretStore {
  readonly #secretsManager: AwsJsonClient;

  constructor(options: SecretsManagerStoreOptions) {
    this.#secretsManager = new AwsJsonClient({
      ...options,
      service: 'secretsmanager',
      targetPrefix: 'secretsmanager',
    });
  }

  async getJson(name: string): Promise<unknown> {
    let answer: unknown;
    try {
      answer = await this.#secretsManager.call('GetSecretValue', { SecretId: name });
    } catch (error) {
      const type = error instanceof AwsCallError ? error.type : 'error';
      throw new Error(`could not read secret ${name} as JSON (${type})`);
    }
    // The broker's secret is JSON text (SecretString); a binary secret is not one it wrote.
    const text = (answer as { SecretString?: unknown } | undefined)?.SecretString;
    if (typeof text !== 'string' || text.length === 0) throw new Error(`secret ${name} is empty`);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`could not read secret ${name} as JSON (SyntaxError)`);
    }
  }
}
