import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import {
  AwsFault,
  type AwsJsonService,
  type ServiceCaller,
  startAwsJsonService,
} from './aws-json-service.js';

/**
 * Secrets Manager on loopback: `GetSecretValue` by name or ARN for the secrets a template defines,
 * authorised against the calling function's role (whose policy names the ARN with its six random
 * characters, `-??????`). `put` is what ops do after the first deploy: fill in the value.
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
export interface FakeSecret {
  name: string;
  /** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf` */
  arn: string;
  value: string;
}

export interface SecretsManagerFake extends AwsJsonService {
  /** A new current version of a secret, by name. */
  put(name: string, value: string): void;
}

export async function startSecretsManagerFake(options: {
  region: string;
  secrets: readonly FakeSecret[];
  callers: () => readonly ServiceCaller[];
}): Promise<SecretsManagerFake> {
  const secrets = new Map(
    options.secrets.map((secret) => [
      secret.name,
      { ...secret, versionId: randomUUID(), created: Date.now() / 1000 },
    ]),
  );
  const service = await startAwsJsonService({
    name: 'Secrets Manager',
    signingName: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    region: options.region,
    callers: options.callers,
    operations: {
      GetSecretValue: {
        input: z.strictObject({
          SecretId: z.string().min(1).max(2048),
          VersionId: z.string().optional(),
          VersionStage: z.string().optional(),
        }),
        handle(input, call) {
          const secret = [...secrets.values()].find(
            (candidate) =>
              candidate.name === input.SecretId ||
              candidate.arn === input.SecretId ||
              // A partial ARN: without the six random characters.
              candidate.arn.slice(0, -7) === input.SecretId,
          );
          if (!secret) {
            throw new AwsFault(
              'ResourceNotFoundException',
              "Secrets Manager can't find the specified secret.",
            );
          }
          call.authorize({ action: 'secretsmanager:GetSecretValue', resource: secret.arn });
          if (input.VersionStage !== undefined && input.VersionStage !== 'AWSCURRENT') {
            throw new AwsFault('ResourceNotFoundException', 'no such version stage');
          }
          if (input.VersionId !== undefined && input.VersionId !== secret.versionId) {
            throw new AwsFault('ResourceNotFoundException', 'no such version');
          }
          return {
            ARN: secret.arn,
            Name: secret.name,
            VersionId: secret.versionId,
            SecretString: secret.value,
            VersionStages: ['AWSCURRENT'],
            CreatedDate: secret.created,
          };
        },
      },
    },
  });
  return {
    ...service,
    put(name, value) {
      const secret = secrets.get(name);
      if (!secret) throw new Error(`no secret ${name} in the template`);
      secrets.set(name, { ...secret, value, versionId: randomUUID(), created: Date.now() / 1000 });
    },
  };
}
