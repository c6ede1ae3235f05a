import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { ParameterStore } from '../../ports/parameter-store.js';

export interface PowertoolsParameterStoreOptions {
  client?: SSMClient;
}

/**
 * SSM Parameter Store through Powertools Parameters. Every read goes to SSM (`forceFetch`): the
 * caller decides how often to read (the caller policy: once a minute per instance). Errors name the
 * parameter and the AWS error, never a value.
 *
 * @see https://docs.powertools.aws.dev/lambda/typescript/latest/features/parameters/
 */
export class PowertoolsParameterStore implements ParameterStore {
  readonly #provider: SSMProvider;

  constructor(options: PowertoolsParameterStoreOptions = {}) {
    this.#provider = new SSMProvider({ awsSdkV3Client: options.client ?? createSsmClient() });
  }

  async getText(name: string): Promise<string> {
    let value: unknown;
    try {
      value = await this.#provider.get(name, { forceFetch: true });
    } catch (error) {
      throw new Error(`could not read SSM parameter ${name} (${errorName(error)})`);
    }
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`SSM parameter ${name} is empty`);
    }
    return value;
  }
}

/**
 * One attempt with short timeouts: a read that hangs must not hold up the requests waiting on it
 * (they go on with the last good policy after a moment; the next request tries again).
 */
function createSsmClient(): SSMClient {
  return new SSMClient({
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      throwOnRequestTimeout: true,
    },
  });
}

function errorName(error: unknown): string {
  if (!(error instanceof Error)) return 'error';
  return error.cause instanceof Error ? error.cause.name : error.name;
}
