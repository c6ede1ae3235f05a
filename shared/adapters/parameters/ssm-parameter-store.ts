import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ParameterStore } from '../../ports/parameter-store.js';
import { SignedFetch } from '../aws/signed-fetch.js';

export interface SsmParameterStoreOptions {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  /** Default: `https://ssm.<region>.amazonaws.com` (a VPC endpoint with private DNS answers it). */
  endpoint?: string;
  fetch?: typeof fetch;
  /** How long one attempt may take, ms (default 2000). */
  timeoutMs?: number;
}

/**
 * SSM Parameter Store's `GetParameter` (AWS JSON 1.1), signed with SigV4 ({@link SignedFetch})
 * instead of through `@aws-sdk/client-ssm` and Powertools Parameters: the client brings SSM's
 * whole schema and error classes, about 85 KB of a Lambda bundle kept under 400 KB, for this one
 * call. Every read goes to SSM (the caller decides how often: the caller policy, once a minute per
 * instance). Two attempts of at most `timeoutMs` each, the second only after a throttle, a 5xx or
 * no answer, as the SDK's client was configured; a read that hangs must not hold up the requests
 * waiting on it. Errors name the parameter and the AWS error type, never a value.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
 * @see https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
 */
export class SsmParameterStore implements ParameterStore {
  readonly #aws: SignedFetch;
  readonly #url: URL;
  readonly #timeoutMs: number;

  constructor(options: SsmParameterStoreOptions) {
    this.#aws = new SignedFetch({
      service: 'ssm',
      region: options.region,
      credentials: options.credentials,
      fetch: options.fetch,
    });
    this.#url = new URL('/', options.endpoint ?? `https://ssm.${options.region}.amazonaws.com`);
    this.#timeoutMs = options.timeoutMs ?? 2_000;
  }

  async getText(name: string): Promise<string> {
    let failure = 'error';
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const answer = await this.#call(name).catch((error: unknown) => ({ error }));
      if ('error' in answer) {
        failure = noAnswer(answer.error);
        continue;
      }
      if (answer.status === 200) return parameterValue(answer.body, name);
      failure = errorType(answer);
      if (!isRetryable(answer.status, failure)) break;
    }
    throw new Error(`could not read SSM parameter ${name} (${failure})`);
  }

  async #call(name: string): Promise<Answer> {
    const response = await this.#aws.post({
      url: this.#url,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonSSM.GetParameter',
      },
      body: JSON.stringify({ Name: name }),
      timeoutMs: this.#timeoutMs,
    });
    return {
      status: response.status,
      errorHeader: response.headers.get('x-amzn-errortype') ?? undefined,
      body: await response.text(),
    };
  }
}

const ATTEMPTS = 2;

interface Answer {
  status: number;
  errorHeader: string | undefined;
  body: string;
}

function parameterValue(body: string, name: string): string {
  const value = (parseJson(body) as { Parameter?: { Value?: unknown } } | undefined)?.Parameter
    ?.Value;
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`SSM parameter ${name} is empty`);
  }
  return value;
}

/**
 * The error's type: the body's `__type` or the `x-amzn-ErrorType` header, without the namespace
 * (`com.amazonaws.ssm#ParameterNotFound`) or the header's `:` suffix; else the HTTP status.
 */
function errorType(answer: Answer): string {
  const type = (parseJson(answer.body) as { __type?: unknown } | undefined)?.__type;
  const raw = typeof type === 'string' ? type : answer.errorHeader?.split(':')[0];
  const name = raw?.slice(raw.lastIndexOf('#') + 1);
  return name && /^[A-Za-z][A-Za-z0-9.]{0,99}$/.test(name) ? name : `HTTP ${answer.status}`;
}

function isRetryable(status: number, type: string): boolean {
  return status >= 500 || status === 429 || /Throttl/.test(type);
}

function noAnswer(error: unknown): string {
  return error instanceof Error && error.name === 'TimeoutError' ? 'TimeoutError' : 'NetworkError';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
