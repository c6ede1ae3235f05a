import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach } from 'vitest';

/**
 * A loopback server standing in for an AWS JSON 1.1 API (SSM, Secrets Manager): it checks each
 * request's SigV4 signature with an independent SHA-256 and answers what the test scripts (the
 * last answer repeats). Error shapes as AWS sends them: `__type` in the body, `x-amzn-ErrorType`
 * in the head (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html).
 */
export const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'secret',
  sessionToken: 'tok',
};

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  hang?: true;
}

export interface Seen {
  target: string | undefined;
  contentType: string | undefined;
  body: unknown;
  signed: boolean;
}

const servers: Server[] = [];

/** Closes the fakes after each test of the file that calls it. */
export function useFakeAws(): void {
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
}

/** The fake for `service`; closed after each test with {@link useFakeAws}, or by `close()`. */
export async function fakeAwsJson(
  service: string,
  answers: Answer[],
  credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  } = CREDENTIALS,
) {
  const seen: Seen[] = [];
  const verifier = new SignatureV4({
    service,
    region: 'eu-north-1',
    credentials,
    sha256: Sha256,
  });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({
        target: request.headers['x-amz-target'] as string | undefined,
        contentType: request.headers['content-type'],
        body: JSON.parse(body),
        signed: await verifies(verifier, service, request, body),
      });
      const answer = (answers.length > 1 ? answers.shift() : answers[0]) as Answer;
      if (answer.hang) return;
      response.writeHead(answer.status, {
        'content-type': 'application/x-amz-json-1.1',
        ...answer.headers,
      });
      response.end(answer.body ?? '');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    servers.splice(servers.indexOf(server), 1);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { endpoint: `http://127.0.0.1:${port}`, seen, close };
}

/** Re-signs the request as received and compares the Authorization header. */
async function verifies(
  verifier: SignatureV4,
  service: string,
  request: IncomingMessage,
  body: string,
): Promise<boolean> {
  const headers: Record<string, string> = {};
  const signedNames = /SignedHeaders=([^,]+)/.exec(request.headers.authorization ?? '')?.[1];
  for (const name of signedNames?.split(';') ?? []) {
    headers[name] = String(request.headers[name]);
  }
  const date = headers['x-amz-date'] ?? '';
  const resigned = await verifier.sign(
    {
      method: request.method ?? 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: request.url ?? '/',
      query: {},
      headers,
      body,
    },
    {
      signingDate: new Date(
        `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
      ),
    },
  );
  return (
    request.headers.authorization === resigned.headers['authorization'] &&
    resigned.headers['authorization']?.includes(`/eu-north-1/${service}/aws4_request`) === true
  );
}
