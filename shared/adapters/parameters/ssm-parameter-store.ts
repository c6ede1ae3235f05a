import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ParameterStore } from '../../ports/parameter-store.js';
import { AwsCallError, AwsJsonClient } from '../aws/aws-json-client.js';

export interface SsmParameterStoreOptions {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  /** Default: `https://ssm.<region>.amazonaws.com`. */
  endpoint?: string;
  fetch?: typeof fetch;
  /** How long one attempt may take, ms (default 2000). */
  timeoutMs?: number;
}

/**
 * SSM Parameter Store's `GetParameter`, signed by hand ({@link AwsJsonClient}) instead of through
 * `@aws-sdk/client-ssm` and Powertools Parameters, which brought about 84 KB into a Lambda bundle
 * kept under 400 KB for this one call. Every read goes to SSM: the caller decides how often (the
 * caller policy, once a minute per instance). Errors name the parameter and the AWS error type,
 * never a value.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
 */
export class SsmParameterStore implements ParameterStore {
  readonly #ssm: AwsJsonClient;

  constructor(options: SsmParameterStoreOptions) {
    this.#ssm = new AwsJsonClient({ ...options, service: 'ssm', targetPrefix: 'AmazonSSM' });
  }

  async getText(name: string): Promise<string> {
    let answer: unknown;
    try {
      answer = await this.#ssm.call('GetParameter', { Name: name });
    } catch (error) {
      const type = error instanceof AwsCallError ? error.type : 'error';
      throw new Error(`could not read SSM parameter ${name} (${type})`);
    }
    const value = (answer as { Parameter?: { Value?: unknown } } | undefined)?.Parameter?.Value;
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`SSM parameter ${name} is empty`);
    }
    return value;
  }
}
