import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * A stand-in for API Gateway's `AWS_IAM` authorisation on loopback: it recomputes the SigV4
 * signature of each request from the credentials it knows (with `@smithy/signature-v4` and an
 * independent SHA-256, `@aws-crypto/sha256-js`), refuses anything that does not match with 403
 * in the shape of the stack's gateway responses, and forwards what matches, without the stage
 * prefix, to the broker behind it.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export interface SigV4Verifier {
  /** `http://127.0.0.1:<port>/<stage>`: the client's base URL. */
  baseUrl: string;
  /** Each request, in order: the access key that signed it and whether it verified. */
  readonly seen: Array<{ accessKeyId?: string; verified: boolean; reason?: string }>;
  close(): Promise<void>;
}

export interface SigV4VerifierOptions {
  region: string;
  stage: string;
  /** The credentials callers may sign with. */
  credentials: readonly AwsCredentialIdentity[];
  /** The broker to forward verified requests to. */
  forwardTo: string;
  /** AWS accepts a signature dated up to 5 minutes either side of its clock. */
  maxSkewMs?: number;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
const SERVICE = 'execute-api';

export async function startSigV4Verifier(options: SigV4VerifierOptions): Promise<SigV4Verifier> {
  const seen: SigV4Verifier['seen'] = [];
  const maxSkewMs = options.maxSkewMs ?? 5 * 60_000;
  const server = createServer((request, response) => {
    readBody(request)
      .then(async (body) => {
        const verdict = await verify(request, body, options, maxSkewMs);
        seen.push(verdict);
        if (!verdict.verified) {
          refuse(response, verdict.reason ?? 'refused');
          return;
        }
        await forward(request, body, options, response);
      })
      .catch(() => {
        response.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/${options.stage}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function verify(
  request: IncomingMessage,
  body: string,
  options: SigV4VerifierOptions,
  maxSkewMs: number,
): Promise<{ accessKeyId?: string; verified: boolean; reason?: string }> {
  const header = request.headers.authorization;
  const match = header ? AUTHORIZATION.exec(header) : null;
  if (!match) return { verified: false, reason: 'missing or malformed Authorization' };
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] =
    match as unknown as [string, string, string, string, string, string, string];
  const refuse = (reason: string) => ({ accessKeyId, verified: false, reason });
  const credentials = options.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!credentials) return refuse('unknown access key');
  if (region !== options.region || service !== SERVICE) return refuse('wrong credential scope');
  const signedHeaders = signedHeaderList.split(';');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return refuse(`${required} is not signed`);
  }
  const amzDate = single(request.headers['x-amz-date']);
  const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !signingDate || amzDate.slice(0, 8) !== scopeDate)
    return refuse('bad x-amz-date');
  if (Math.abs(Date.now() - signingDate.getTime()) > maxSkewMs) return refuse('signature expired');
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

  const url = new URL(request.url ?? '/', 'http://verifier.invalid');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = single(request.headers[name]);
    if (value === undefined) return refuse(`signed header ${name} is missing`);
    headers[name] = value;
  }
  const signer = new SignatureV4({ service: SERVICE, region, credentials, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: request.method ?? 'GET',
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
  return ok ? { accessKeyId, verified: true } : refuse('signature does not match');
}

async function forward(
  request: IncomingMessage,
  body: string,
  options: SigV4VerifierOptions,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://verifier.invalid');
  const prefix = `/${options.stage}`;
  const path = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : '/';
  const answer = await fetch(`${options.forwardTo}${path}${url.search}`, {
    method: request.method ?? 'GET',
    headers: { 'content-type': single(request.headers['content-type']) ?? 'application/json' },
    ...(body.length > 0 ? { body } : {}),
  });
  const headers = Object.fromEntries(answer.headers);
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  delete headers['connection'];
  delete headers['keep-alive'];
  response.writeHead(answer.status, headers).end(await answer.text());
}

/** API Gateway's refusal in the shape the stack's gateway responses give it. */
function refuse(response: ServerResponse, reason: string): void {
  response
    .writeHead(403, { 'content-type': 'application/json' })
    .end(JSON.stringify({ error: 'access_denied', error_description: reason }));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
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
