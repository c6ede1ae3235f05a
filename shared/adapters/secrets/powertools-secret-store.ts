import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../ports/secret-store.js';

export interface PowertoolsSecretStoreOptions {
  client?: SecretsManagerClient;
  /** Seconds a read value is reused before Secrets Manager is asked again (default 300). */
  maxAgeSeconds?: number;
}

/**
 * Secrets Manager through Powertools Parameters, cached for `maxAgeSeconds` so a warm Lambda does
 * not call Secrets Manager per request. Errors name the secret, never its value.
 *
 * @see https://docs.powertools.aws.dev/lambda/typescript/latest/features/parameters/
 */
export class PowertoolsSecretStore implements SecretStore {
  readonly #provider: SecretsProvider;
  readonly #maxAge: number;

  constructor(options: PowertoolsSecretStoreOptions = {}) {
    this.#provider = new SecretsProvider({ awsSdkV3Client: options.client });
    this.#maxAge = options.maxAgeSeconds ?? 300;
  }

  async getJson(name: string): Promise<unknown> {
    let value: unknown;
    try {
      value = await this.#provider.get(name, { transform: 'json', maxAge: this.#maxAge });
    } catch (error) {
      throw new Error(`could not read secret ${name} as JSON (${errorName(error)})`);
    }
    if (value === undefined || value === null) throw new Error(`secret ${name} is empty`);
    return value;
  }
}

function errorName(error: unknown): string {
  if (!(error instanceof Error)) return 'error';
  return error.cause instanceof Error ? error.cause.name : error.name;
}
