import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';

export interface SignedFetchOptions {
  /** The signing name of the AWS service (`lambda`, `ssm`). */
  service: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
}

/** One call: a POST of `body` with `headers` (`host` and the signature are added). */
export interface SignedCall {
  url: URL;
  headers: Record<string, string>;
  body: string;
  /** How long to wait for the answer's head, ms. */
  timeoutMs: number;
}

/**
 * HTTPS calls to an AWS API signed with SigV4 (`@smithy/signature-v4`, which the SDK clients use
 * too), for the Lambda's calls that do not justify an SDK client in its bundle: each client brings
 * its service's whole schema and error classes (Lambda about 90 KB, SSM about 80 KB) for one
 * operation. The caller owns the request and answer formats.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export class SignedFetch {
  readonly #signer: SignatureV4;
  readonly #fetch: typeof fetch | undefined;

  constructor(options: SignedFetchOptions) {
    this.#signer = new SignatureV4({
      service: options.service,
      region: options.region,
      credentials: options.credentials,
      sha256: NodeSha256,
    });
    this.#fetch = options.fetch;
  }

  async post(call: SignedCall): Promise<Response> {
    const { url, body } = call;
    const signed = await this.#signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...call.headers },
      body,
    });
    return (this.#fetch ?? fetch)(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(call.timeoutMs),
    });
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
