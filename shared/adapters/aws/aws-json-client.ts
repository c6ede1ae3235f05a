import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { SignedFetch } from './signed-fetch.js';

export interface AwsJsonClientOptions {
  /** The signing name (`ssm`, `secretsmanager`). */
  service: string;
  /** The `X-Amz-Target` prefix (`AmazonSSM`, `secretsmanager`). */
  targetPrefix: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  /** Default: `https://<service>.<region>.amazonaws.com` (a VPC endpoint with private DNS answers it). */
  endpoint?: string;
  fetch?: typeof fetch;
  /** How long one attempt may take, ms (default 2000). */
  timeoutMs?: number;
}

/** An AWS API's error: its type (`ParameterNotFound`, `HTTP 403`, `TimeoutError`), never a body. */
export class AwsCallError extends Error {
  readonly type: string;

  constructor(operation: string, type: string) {
    super(`${operation} failed (${type})`);
    this.name = 'AwsCallError';
    this.type = type;
  }
}

/**
 * One operation of an AWS JSON 1.1 API (SSM, Secrets Manager), signed with SigV4
 * ({@link SignedFetch}), for the Lambda's single reads that do not justify an SDK client: each
 * client brings its service's whole schema and error classes into the bundle (SSM about 80 KB,
 * Secrets Manager about 14 KB and Powertools Parameters around it). Two attempts of at most
 * `timeoutMs` each, the second only after a throttle, a 5xx or no answer; a read that hangs must
 * not hold up a cold start or the requests waiting on it.
 *
 * @see https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
 */
export class AwsJsonClient {
  readonly #aws: SignedFetch;
  readonly #url: URL;
  readonly #targetPrefix: string;
  readonly #timeoutMs: number;

  constructor(options: AwsJsonClientOptions) {
    this.#aws = new SignedFetch({
      service: options.service,
      region: options.region,
      credentials: options.credentials,
      fetch: options.fetch,
    });
    const endpoint =
      options.endpoint ?? `https://${options.service}.${options.region}.amazonaws.com`;
    this.#url = new URL('/', endpoint);
    this.#targetPrefix = options.targetPrefix;
    this.#timeoutMs = options.timeoutMs ?? 2_000;
  }

  /** The operation's JSON answer; throws {@link AwsCallError}. */
  async call(operation: string, input: object): Promise<unknown> {
    let failure = 'error';
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const answer = await this.#post(operation, input).catch((error: unknown) => ({ error }));
      if ('error' in answer) {
        failure = noAnswer(answer.error);
        continue;
      }
      if (answer.status === 200) return parseJson(answer.body);
      failure = errorType(answer);
      if (!isRetryable(answer.status, failure)) break;
    }
    throw new AwsCallError(operation, failure);
  }

  async #post(operation: string, input: object): Promise<Answer> {
    const response = await this.#aws.post({
      url: this.#url,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${this.#targetPrefix}.${operation}`,
      },
      body: JSON.stringify(input),
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
