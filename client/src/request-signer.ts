import { defaultProvider } from '@aws-sdk/credential-provider-node';
import {
  doesIdentityRequireRefresh,
  isIdentityExpired,
  memoizeIdentityProvider,
} from '@smithy/core';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** AWS credentials, or a function that resolves them (the SDK's providers are such functions). */
export type CredentialsOption = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** The request as it is signed and then sent: the same method, URL, headers and body bytes. */
export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/**
 * SigV4 for API Gateway (`execute-api`). Credentials come from the AWS SDK's default chain unless
 * given, resolved on the first signed request (not when the client is created) and memoised the
 * SDK's way: kept until five minutes before they expire, then resolved again.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
 */
export class RequestSigner {
  readonly #region: string;
  readonly #credentials: CredentialsOption | undefined;
  #signer: SignatureV4 | undefined;

  constructor(options: { region: string; credentials?: CredentialsOption | undefined }) {
    this.#region = options.region;
    this.#credentials = options.credentials;
  }

  /** The headers to send: the given ones plus `host`, `x-amz-date`, `authorization` (and `x-amz-security-token`). */
  async sign(request: SignableRequest): Promise<Record<string, string>> {
    this.#signer ??= new SignatureV4({
      service: 'execute-api',
      region: this.#region,
      credentials: memoizeIdentityProvider(
        this.#credentials ?? defaultProvider(),
        isIdentityExpired,
        doesIdentityRequireRefresh,
      ) as AwsCredentialIdentityProvider,
      sha256: Sha256,
    });
    const { url } = request;
    const signed = await this.#signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...request.headers, host: url.host },
      body: request.body,
    });
    return signed.headers;
  }
}
