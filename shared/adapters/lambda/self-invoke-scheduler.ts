import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import type { TokenRequest } from '../../domain/token-request.js';
import type { RefreshScheduler } from '../../ports/refresh-scheduler.js';
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
 * The Invoke call is signed here (SigV4 with `@smithy/signature-v4`, already in the bundle)
 * rather than made with `@aws-sdk/client-lambda`, which adds about 90 KB to every cold start for
 * this one call.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 */
export class SelfInvokeRefreshScheduler implements RefreshScheduler {
  readonly #options: SelfInvokeOptions;
  readonly #signer: SignatureV4;
  readonly #url: URL;

  constructor(options: SelfInvokeOptions) {
    this.#options = options;
    this.#signer = new SignatureV4({
      service: 'lambda',
      region: options.region,
      credentials: options.credentials,
      sha256: NodeSha256,
    });
    const endpoint = options.endpoint ?? `https://lambda.${options.region}.amazonaws.com`;
    this.#url = new URL(
      `/2015-03-31/functions/${encodeURIComponent(options.functionName)}/invocations`,
      endpoint,
    );
  }

  async schedule(request: TokenRequest): Promise<void> {
    const url = this.#url;
    const body = JSON.stringify(toRefreshEvent(request));
    const signed = await this.#signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/json',
        'x-amz-invocation-type': 'Event',
      },
      body,
    });
    const response = await (this.#options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.#options.timeoutMs ?? 1_000),
    });
    await response.body?.cancel();
    if (response.status !== 202) {
      throw new Error(`Lambda Invoke answered ${response.status}`);
    }
  }
}

/** SHA-256 (or HMAC-SHA-256 with a secret) for the signer, from node:crypto. */
class NodeSha256 implements Checksum {
  readonly #secret: SourceData | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.#hash = NodeSha256.#make(secret);
  }

  static #make(secret: SourceData | undefined): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = NodeSha256.#make(this.#secret);
  }
}

function bytes(data: SourceData): Uint8Array | string {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
