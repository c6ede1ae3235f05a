import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { TokenRequest } from '../../domain/token-request.js';
import type { RefreshScheduler } from '../../ports/refresh-scheduler.js';
import { SignedFetch } from '../aws/signed-fetch.js';
import { toRefreshEvent } from './refresh-event.js';

export interface SelfInvokeOptions {
  /** The function's own name (`AWS_LAMBDA_FUNCTION_NAME`). */
  functionName: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  /** Default: `https://lambda.<region>.amazonaws.com`. */
  endpoint?: string;
  fetch?: typeof fetch;
  /** How long the caller's request may wait for Lambda to accept the event, ms (default 1000). */
  timeoutMs?: number;
}

/**
 * Refresh ahead in Lambda: an asynchronous invocation of the function itself
 * (`InvocationType: Event`) carrying the token request ({@link toRefreshEvent}). Lambda answers
 * 202 once it has queued the event; the request that started the refresh waits only for that
 * (one HTTPS round trip in the region), then answers with the token it already had; the refresh
 * runs in an invocation of its own (`BrokerService.refreshAhead`, lease-coordinated like a miss).
 * Work after a response is not reliable in Lambda (the sandbox may be frozen, with the work in it);
 * an invocation of its own is. A scheduled refresher could not serve 30 s tokens: EventBridge
 * schedules have one-minute granularity, and it would renew keys nobody asks for any more.
 *
 * The Invoke call is signed here ({@link SignedFetch}: SigV4 with `@smithy/signature-v4`)
 * rather than made with `@aws-sdk/client-lambda`, which adds about 90 KB to every cold start for
 * this one call.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 */
export class SelfInvokeRefreshScheduler implements RefreshScheduler {
  readonly #aws: SignedFetch;
  readonly #url: URL;
  readonly #timeoutMs: number;

  constructor(options: SelfInvokeOptions) {
    this.#aws = new SignedFetch({
      service: 'lambda',
      region: options.region,
      credentials: options.credentials,
      fetch: options.fetch,
    });
    const endpoint = options.endpoint ?? `https://lambda.${options.region}.amazonaws.com`;
    this.#url = new URL(
      `/2015-03-31/functions/${encodeURIComponent(options.functionName)}/invocations`,
      endpoint,
    );
    this.#timeoutMs = options.timeoutMs ?? 1_000;
  }

  async schedule(request: TokenRequest): Promise<void> {
    const response = await this.#aws.post({
      url: this.#url,
      headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
      body: JSON.stringify(toRefreshEvent(request)),
      timeoutMs: this.#timeoutMs,
    });
    await response.body?.cancel();
    if (response.status !== 202) {
      throw new Error(`Lambda Invoke answered ${response.status}`);
    }
  }
}
