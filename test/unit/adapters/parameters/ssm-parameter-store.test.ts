import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it } from 'vitest';
import { SsmParameterStore } from '../../../../shared/adapters/parameters/ssm-parameter-store.js';

// SSM's GetParameter over AWS JSON 1.1, against a loopback server standing in for SSM: it checks
// each request's SigV4 signature with an independent SHA-256 and answers what the test scripts.
// Error shapes as SSM sends them: `__type` in the body, `x-amzn-ErrorType` in the head
// (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html, "Operation error serialization").

const NAME = '/maskinporten-broker/test/caller-policy';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'tok' };
const VERIFIER = new SignatureV4({
  service: 'ssm',
  region: 'eu-north-1',
  credentials: CREDENTIALS,
  sha256: Sha256,
});

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  hang?: true;
}

interface Seen {
  target: string | undefined;
  contentType: string | undefined;
  body: unknown;
  signed: boolean;
}

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function fakeSsm(answers: Answer[]) {
  const seen: Seen[] = [];
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({
        target: request.headers['x-amz-target'] as string | undefined,
        contentType: request.headers['content-type'],
        body: JSON.parse(body),
        signed: await verifies(request, body),
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
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const store = new SsmParameterStore({
    region: 'eu-north-1',
    credentials: async () => CREDENTIALS,
    endpoint: `http://127.0.0.1:${port}`,
    timeoutMs: 200,
  });
  return { store, seen };
}

/** Re-signs the request as received and compares the Authorization header. */
async function verifies(request: IncomingMessage, body: string): Promise<boolean> {
  const headers: Record<string, string> = {};
  const signedNames = /SignedHeaders=([^,]+)/.exec(request.headers.authorization ?? '')?.[1];
  for (const name of signedNames?.split(';') ?? []) {
    headers[name] = String(request.headers[name]);
  }
  const date = headers['x-amz-date'] ?? '';
  const resigned = await VERIFIER.sign(
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
    resigned.headers['authorization']?.includes('/eu-north-1/ssm/aws4_request') === true
  );
}

const parameter = (value: string) => ({
  status: 200,
  body: JSON.stringify({ Parameter: { Name: NAME, Type: 'String', Value: value, Version: 3 } }),
});

describe('SsmParameterStore (GetParameter, signed)', () => {
  it('reads the parameter with a valid SigV4 signature, from SSM every time', async () => {
    const { store, seen } = await fakeSsm([parameter('{"rules":[]}'), parameter('{"rules":[1]}')]);

    expect(await store.getText(NAME)).toBe('{"rules":[]}');
    expect(await store.getText(NAME)).toBe('{"rules":[1]}');
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual({
      target: 'AmazonSSM.GetParameter',
      contentType: 'application/x-amz-json-1.1',
      body: { Name: NAME },
      signed: true,
    });
  });

  it('names the parameter and the AWS error type, once, for an answer trying again cannot change', async () => {
    const { store, seen } = await fakeSsm([
      {
        status: 400,
        headers: {
          'x-amzn-errortype':
            'ParameterNotFound:http://internal.amazon.com/coral/com.amazonaws.ssm/',
        },
        body: '{"__type":"ParameterNotFound"}',
      },
    ]);

    await expect(store.getText(NAME)).rejects.toThrow(
      `could not read SSM parameter ${NAME} (ParameterNotFound)`,
    );
    expect(seen).toHaveLength(1);
  });

  it('takes the type from the header when the body has none, without its namespace', async () => {
    const { store } = await fakeSsm([
      {
        status: 400,
        headers: { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/' },
        body: '{"Message":"User arn:aws:sts::1:assumed-role/x is not authorized"}',
      },
    ]);
    await expect(store.getText(NAME)).rejects.toThrow(`(AccessDeniedException)`);
  });

  it('says the HTTP status of an answer that is not SSM’s, never its body', async () => {
    const { store } = await fakeSsm([{ status: 403, body: '<html>secret-looking</html>' }]);
    const error = await store.getText(NAME).catch((caught: Error) => caught);
    expect((error as Error).message).toBe(`could not read SSM parameter ${NAME} (HTTP 403)`);
  });

  it('tries once more after a throttle or a 5xx', async () => {
    const throttled = {
      status: 400,
      body: '{"__type":"com.amazonaws.ssm#ThrottlingException","message":"Rate exceeded"}',
    };
    const { store, seen } = await fakeSsm([throttled, parameter('a')]);
    expect(await store.getText(NAME)).toBe('a');
    expect(seen).toHaveLength(2);

    const failing = await fakeSsmAgain([{ status: 500, body: '{"__type":"InternalServerError"}' }]);
    await expect(failing.store.getText(NAME)).rejects.toThrow('(InternalServerError)');
    expect(failing.seen).toHaveLength(2);
  });

  it('gives up after two attempts that get no answer in time', async () => {
    const { store, seen } = await fakeSsm([{ status: 200, hang: true }]);
    await expect(store.getText(NAME)).rejects.toThrow(
      `could not read SSM parameter ${NAME} (TimeoutError)`,
    );
    expect(seen).toHaveLength(2);
  });

  it('refuses an empty parameter', async () => {
    const { store } = await fakeSsm([parameter('')]);
    await expect(store.getText(NAME)).rejects.toThrow(`SSM parameter ${NAME} is empty`);
  });
});

/** A second fake in the same test (the first is closed first). */
async function fakeSsmAgain(answers: Answer[]) {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  return fakeSsm(answers);
}
