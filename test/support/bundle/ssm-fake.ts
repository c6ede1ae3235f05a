import * as z from 'zod';
import {
  AwsFault,
  type AwsJsonService,
  type ServiceCaller,
  startAwsJsonService,
} from './aws-json-service.js';

/**
 * Systems Manager Parameter Store on loopback: `GetParameter` for the parameters a template
 * defines, with the values the template deploys, authorised against the calling function's role
 * (`arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>`).
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
 */
export interface FakeParameter {
  name: string;
  type: 'String' | 'StringList' | 'SecureString';
  value: string;
}

export interface SsmFake extends AwsJsonService {
  /** A new version of a parameter (what the next deploy would write). */
  put(name: string, value: string): void;
}

export async function startSsmFake(options: {
  region: string;
  account: string;
  parameters: readonly FakeParameter[];
  callers: () => readonly ServiceCaller[];
}): Promise<SsmFake> {
  const parameters = new Map(
    options.parameters.map((p) => [p.name, { ...p, version: 1, modified: Date.now() / 1000 }]),
  );
  const arnOf = (name: string) =>
    `arn:aws:ssm:${options.region}:${options.account}:parameter/${name.replace(/^\//, '')}`;
  const service = await startAwsJsonService({
    name: 'SSM',
    signingName: 'ssm',
    targetPrefix: 'AmazonSSM',
    jsonVersion: '1.1',
    region: options.region,
    callers: options.callers,
    operations: {
      GetParameter: {
        input: z.strictObject({
          Name: z.string().min(1).max(2048),
          WithDecryption: z.boolean().optional(),
        }),
        handle(input, call) {
          const name = input.Name.startsWith('arn:')
            ? `/${input.Name.split(':parameter/')[1]}`
            : input.Name;
          call.authorize({ action: 'ssm:GetParameter', resource: arnOf(name) });
          const parameter = parameters.get(name);
          if (!parameter) throw new AwsFault('ParameterNotFound', '');
          return {
            Parameter: {
              Name: parameter.name,
              Type: parameter.type,
              Value: parameter.value,
              Version: parameter.version,
              LastModifiedDate: parameter.modified,
              ARN: arnOf(parameter.name),
              DataType: 'text',
            },
          };
        },
      },
    },
  });
  return {
    ...service,
    put(name, value) {
      const parameter = parameters.get(name);
      if (!parameter) throw new Error(`no parameter ${name} in the template`);
      parameters.set(name, {
        ...parameter,
        value,
        version: parameter.version + 1,
        modified: Date.now() / 1000,
      });
    },
  };
}
