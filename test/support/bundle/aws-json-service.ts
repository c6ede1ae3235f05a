import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCredentialIdentity } from '@smithy/types';
import type * as z from 'zod';
import { verifySigV4 } from '../sigv4-check.js';
import type { Json } from './cloud-assembly.js';
import {
  type AuthorizationRequest,
  accessDeniedMessage,
  authorize,
  type IdentityPolicy,
} from './identity-policy.js';

/**
 * A small local AWS service speaking the AWS JSON protocol (1.0 or 1.1) on loopback: `POST /`
 * with `Content-Type: application/x-amz-json-1.x` and `X-Amz-Target: <prefix>.<Operation>`, a
 * SigV4 signature for the service's signing name and region, a JSON body checked against the
 * operation's input shape, and errors as AWS sends them (`x-amzn-ErrorType` and `__type`). A
 * request the SDK shapes differently from what the service documents is a violation: answered
 * with the error the service would give, and recorded for the test to assert on.
 *
 * @see https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
 */
export class AwsFault extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

/** Who may call: the credentials a function's container signs with, and its role's policy. */
export interface ServiceCaller {
  credentials: AwsCredentialIdentity;
  policy: IdentityPolicy;
  /** Lambda names the role session after the function. */
  sessionName: string;
}

export interface CallContext {
  caller: ServiceCaller;
  /** Throws `AccessDeniedException` unless the caller's identity policy allows the request. */
  authorize(request: AuthorizationRequest): void;
}

export interface AwsJsonOperation<Input> {
  input: z.ZodType<Input>;
  handle(input: Input, call: CallContext): Json | Promise<Json>;
}

export interface AwsJsonServiceOptions {
  /** For messages: `KMS`, `Secrets Manager`, `SSM`. */
  name: string;
  /** The SigV4 signing name: `kms`, `secretsmanager`, `ssm`. */
  signingName: string;
  /** `TrentService`, `secretsmanager`, `AmazonSSM`. */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  region: string;
  callers: () => readonly ServiceCaller[];
  // biome-ignore lint/suspicious/noExplicitAny: each operation has its own input type
  operations: Readonly<Record<string, AwsJsonOperation<any>>>;
}

export interface RecordedCall {
  operation: string;
  input: Json;
  accessKeyId?: string;
  /** The error type answered, if any. */
  fault?: string;
}

export interface AwsJsonService {
  /** `http://127.0.0.1:<port>`: the value of `AWS_ENDPOINT_URL_<SERVICE>`. */
  endpoint: string;
  readonly calls: RecordedCall[];
  /** Requests not shaped as the service documents (target, content type, signature, input). */
  readonly violations: string[];
  /** Calls the caller's identity policy did not allow. */
  readonly denials: string[];
  close(): Promise<void>;
}

export async function startAwsJsonService(options: AwsJsonServiceOptions): Promise<AwsJsonService> {
  const calls: RecordedCall[] = [];
  const violations: string[] = [];
  const denials: string[] = [];
  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => handle(request, body, response))
      .catch((error: unknown) => {
        violations.push(`${options.name}: stand-in failed: ${String(error)}`);
        send(response, 500, { __type: 'InternalFailure', message: String(error) });
      });
  });

  async function handle(request: IncomingMessage, body: string, response: ServerResponse) {
    const fail = (type: string, message: string, status = 400, violation = true) => {
      if (violation) violations.push(`${options.name}: ${message}`);
      send(response, status, { __type: type, message });
    };
    const contentType = `application/x-amz-json-${options.jsonVersion}`;
    if (request.method !== 'POST' || request.url !== '/') {
      return fail('UnknownOperationException', `${request.method} ${request.url}: expected POST /`);
    }
    if (request.headers['content-type'] !== contentType) {
      return fail(
        'SerializationException',
        `Content-Type ${request.headers['content-type']}: expected ${contentType}`,
      );
    }
    const target = String(request.headers['x-amz-target'] ?? '');
    const [prefix, operationName] = target.split('.');
    const operation = operationName ? options.operations[operationName] : undefined;
    if (prefix !== options.targetPrefix || !operation || !operationName) {
      return fail('UnknownOperationException', `X-Amz-Target ${target} is not served here`);
    }
    const verdict = await verifySigV4(
      { method: 'POST', url: request.url, headers: request.headers },
      body,
      {
        service: options.signingName,
        region: options.region,
        credentials: options.callers().map((caller) => caller.credentials),
      },
    );
    if (!verdict.verified) {
      return fail('InvalidSignatureException', `${operationName}: ${verdict.reason}`, 403);
    }
    const caller = options
      .callers()
      .find((candidate) => candidate.credentials.accessKeyId === verdict.accessKeyId);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return fail('SerializationException', `${operationName}: the body is not JSON`);
    }
    const recorded: RecordedCall = {
      operation: operationName,
      input: json,
      accessKeyId: verdict.accessKeyId,
    };
    calls.push(recorded);
    const parsed = operation.input.safeParse(json);
    if (!parsed.success) {
      recorded.fault = 'ValidationException';
      const issue = parsed.error.issues[0];
      return fail(
        'ValidationException',
        `${operationName}: ${issue?.path.join('.') || 'input'}: ${issue?.message}`,
      );
    }
    const context: CallContext = {
      caller: caller as ServiceCaller,
      authorize(authorization) {
        const allowed = authorize((caller as ServiceCaller).policy, authorization);
        if (allowed.allowed) return;
        const message = accessDeniedMessage(
          (caller as ServiceCaller).policy,
          (caller as ServiceCaller).sessionName,
          authorization,
          allowed.why,
        );
        denials.push(message);
        throw new AwsFault('AccessDeniedException', message);
      },
    };
    try {
      const output = await operation.handle(parsed.data, context);
      send(response, 200, output);
    } catch (error) {
      if (!(error instanceof AwsFault)) throw error;
      recorded.fault = error.type;
      fail(error.type, error.message, error.status, false);
    }
  }

  function send(response: ServerResponse, status: number, body: Json) {
    const headers: Record<string, string> = {
      'content-type': `application/x-amz-json-${options.jsonVersion}`,
      'x-amzn-requestid': randomUUID(),
    };
    if (status >= 400) headers['x-amzn-errortype'] = body.__type;
    response.writeHead(status, headers).end(JSON.stringify(body));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    violations,
    denials,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}
