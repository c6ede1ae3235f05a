import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * Recomputes the SigV4 signature of a request received on loopback from the credentials the
 * stand-in knows (with `@smithy/signature-v4` and an independent SHA-256, `@aws-crypto/sha256-js`),
 * the way an AWS service front end checks it: the credential scope names the expected region and
 * service, `host` and `x-amz-date` are signed, the date is within the allowed skew, the session
 * token matches, and the signature over the received method, path, query, headers and body agrees.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export interface ReceivedRequest {
  method: string;
  /** Path and query as received (`/prod/v1/token?x=1`). */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface SigV4CheckOptions {
  service: string;
  /** The region the scope must name; any region when unset. */
  region?: string;
  credentials: readonly AwsCredentialIdentity[];
  /** AWS accepts a signature dated up to 5 minutes either side of its clock. */
  maxSkewMs?: number;
}

export type SigV4Verdict =
  | { verified: true; accessKeyId: string; region: string }
  | { verified: false; accessKeyId?: string; reason: string };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

export async function verifySigV4(
  request: ReceivedRequest,
  body: string,
  options: SigV4CheckOptions,
): Promise<SigV4Verdict> {
  const header = single(request.headers.authorization);
  const match = header ? AUTHORIZATION.exec(header) : null;
  if (!match) return { verified: false, reason: 'missing or malformed Authorization' };
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] =
    match as unknown as [string, string, string, string, string, string, string];
  const refuse = (reason: string): SigV4Verdict => ({ verified: false, accessKeyId, reason });
  const credentials = options.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!credentials) return refuse('unknown access key');
  if (service !== options.service) return refuse(`credential scope names ${service}`);
  if (options.region !== undefined && region !== options.region) {
    return refuse(`credential scope names region ${region}`);
  }
  const signedHeaders = signedHeaderList.split(';');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return refuse(`${required} is not signed`);
  }
  const amzDate = single(request.headers['x-amz-date']);
  const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !signingDate || amzDate.slice(0, 8) !== scopeDate) {
    return refuse('bad x-amz-date');
  }
  if (Math.abs(Date.now() - signingDate.getTime()) > (options.maxSkewMs ?? 5 * 60_000)) {
    return refuse('signature expired');
  }
  const token = single(request.headers['x-amz-security-token']);
  if (credentials.sessionToken !== undefined) {
    if (token !== credentials.sessionToken || !signedHeaders.includes('x-amz-security-token')) {
      return refuse('bad session token');
    }
  }
  // The signer takes a signed payload hash on trust; AWS hashes the body it received.
  const payloadHash = single(request.headers['x-amz-content-sha256']);
  if (payloadHash !== undefined && payloadHash !== (await sha256Hex(body))) {
    return refuse('x-amz-content-sha256 does not match the body');
  }

  const url = new URL(request.url, 'http://stand-in.invalid');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = single(request.headers[name]);
    if (value === undefined) return refuse(`signed header ${name} is missing`);
    headers[name] = value;
  }
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers['host']?.split(':')[0] ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    },
    { signingDate },
  );
  const recomputed = AUTHORIZATION.exec(expected.headers['authorization'] ?? '');
  if (!recomputed || recomputed[5] !== signedHeaderList) return refuse('signed headers differ');
  const ok = timingSafeEqual(Buffer.from(recomputed[6] ?? ''), Buffer.from(signature));
  return ok ? { verified: true, accessKeyId, region } : refuse('signature does not match');
}

async function sha256Hex(text: string): Promise<string> {
  const hash = new Sha256();
  hash.update(Buffer.from(text, 'utf8'));
  return Buffer.from(await hash.digest()).toString('hex');
}

/** `20261130T064512Z` → Date. */
function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
