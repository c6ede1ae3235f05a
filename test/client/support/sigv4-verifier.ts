import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCredentialIdentity } from '@smithy/types';
import { verifySigV4 } from '../../support/sigv4-check.js';

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
  const verdict = await verifySigV4(
    { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers },
    body,
    { service: SERVICE, region: options.region, credentials: options.credentials, maxSkewMs },
  );
  return verdict.verified ? { accessKeyId: verdict.accessKeyId, verified: true } : verdict;
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

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
