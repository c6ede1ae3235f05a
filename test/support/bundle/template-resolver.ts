import { createHash } from 'node:crypto';
import type { CloudAssembly, Json, SynthesizedStack } from './cloud-assembly.js';

/**
 * Resolves CloudFormation values (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`,
 * `Fn::Split`, `Fn::GetStackOutput`, `Fn::ImportValue`) the way a deploy would, with a local
 * stand-in for each physical id: a KMS key gets a key ARN, the REST API a 10-character id, a log
 * group its name... Deterministic (derived from stack and logical id), so the same resource always
 * gets the same stand-in, wherever it is referenced from. Anything it does not know throws, naming
 * the construct: an environment variable is never silently left unresolved.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
 */
export class TemplateResolver {
  readonly #assembly: CloudAssembly;

  constructor(assembly: CloudAssembly) {
    this.#assembly = assembly;
  }

  /** `value` with every intrinsic function resolved (deeply). */
  resolve(stack: SynthesizedStack, value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    const [intrinsic] = keys;
    if (keys.length === 1 && intrinsic && (intrinsic === 'Ref' || intrinsic.startsWith('Fn::'))) {
      return this.#intrinsic(stack, intrinsic, value[intrinsic]);
    }
    return Object.fromEntries(keys.map((key) => [key, this.resolve(stack, value[key])]));
  }

  /** The stand-in a `Ref` to this resource gives. */
  ref(stack: SynthesizedStack, logicalId: string): string {
    const resource = this.#resource(stack, logicalId);
    const standIn = STAND_INS[resource.Type];
    if (!standIn) {
      throw new Error(`no local stand-in for Ref to ${resource.Type} (${stack.name}/${logicalId})`);
    }
    return standIn.ref(this.#context(stack, logicalId, resource));
  }

  /** The stand-in `Fn::GetAtt` gives for this resource's attribute. */
  getAtt(stack: SynthesizedStack, logicalId: string, attribute: string): string {
    const resource = this.#resource(stack, logicalId);
    const read = STAND_INS[resource.Type]?.attributes?.[attribute];
    if (!read) {
      throw new Error(
        `no local stand-in for Fn::GetAtt ${attribute} of ${resource.Type} (${stack.name}/${logicalId})`,
      );
    }
    return read(this.#context(stack, logicalId, resource));
  }

  #intrinsic(stack: SynthesizedStack, name: string, argument: Json): Json {
    switch (name) {
      case 'Ref':
        return PSEUDO_PARAMETERS[argument]
          ? PSEUDO_PARAMETERS[argument](stack)
          : this.ref(stack, argument);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] =
          typeof argument === 'string' ? argument.split(/\.(.*)/s) : argument;
        return this.getAtt(stack, logicalId, attribute);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument;
        return this.resolve(stack, parts).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = this.resolve(stack, argument);
        return list[Number(index)];
      }
      case 'Fn::Split': {
        const [separator, text] = this.resolve(stack, argument);
        return String(text).split(separator);
      }
      case 'Fn::Sub':
        return this.#sub(stack, argument);
      case 'Fn::GetStackOutput': {
        const { StackName, OutputName, Region } = this.resolve(stack, argument);
        const target = this.#assembly.stacks.find((s) => s.name === StackName);
        if (!target || (Region !== undefined && Region !== target.region)) {
          throw new Error(`Fn::GetStackOutput: no stack ${StackName} in ${Region} here`);
        }
        const output = target.template.Outputs?.[OutputName];
        if (!output)
          throw new Error(`Fn::GetStackOutput: ${StackName} has no output ${OutputName}`);
        return this.resolve(target, output.Value);
      }
      case 'Fn::ImportValue': {
        const exportName = this.resolve(stack, argument);
        for (const candidate of this.#assembly.stacks) {
          for (const output of Object.values<Json>(candidate.template.Outputs ?? {})) {
            if (output.Export && this.resolve(candidate, output.Export.Name) === exportName) {
              return this.resolve(candidate, output.Value);
            }
          }
        }
        throw new Error(`Fn::ImportValue: no stack here exports ${exportName}`);
      }
      default:
        throw new Error(`no local stand-in for ${name} (${stack.name})`);
    }
  }

  #sub(stack: SynthesizedStack, argument: Json): string {
    const [text, variables] = typeof argument === 'string' ? [argument, {}] : argument;
    const resolved = this.resolve(stack, variables ?? {});
    return String(text).replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
      if (name in resolved) return String(resolved[name]);
      if (PSEUDO_PARAMETERS[name]) return PSEUDO_PARAMETERS[name](stack);
      const [logicalId, attribute] = name.split(/\.(.*)/s);
      return attribute
        ? this.getAtt(stack, logicalId as string, attribute)
        : this.ref(stack, logicalId as string);
    });
  }

  #resource(stack: SynthesizedStack, logicalId: string): Json {
    const resource = stack.template.Resources?.[logicalId];
    if (!resource) throw new Error(`${stack.name} has no resource ${logicalId}`);
    return resource;
  }

  #context(stack: SynthesizedStack, logicalId: string, resource: Json): StandInContext {
    return {
      stack,
      logicalId,
      property: (name) => {
        const value = resource.Properties?.[name];
        return value === undefined ? undefined : this.resolve(stack, value);
      },
    };
  }
}

interface StandInContext {
  stack: SynthesizedStack;
  logicalId: string;
  /** A property of the resource, resolved. */
  property(name: string): Json;
}

interface StandIn {
  ref(context: StandInContext): string;
  attributes?: Record<string, (context: StandInContext) => string>;
}

/** A deterministic token for one resource: hex, or lower-case alphanumerics. */
export function standInToken(context: Pick<StandInContext, 'stack' | 'logicalId'>): string {
  return createHash('sha256').update(`${context.stack.name}/${context.logicalId}`).digest('hex');
}

/** `xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx` from the resource's token. */
function uuid(context: StandInContext): string {
  const hex = standInToken(context);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** CloudFormation's generated physical name: `<stack>-<logicalId>-<suffix>`. */
function generatedName(context: StandInContext, max = 64): string {
  const suffix = standInToken(context).slice(0, 12).toUpperCase();
  return `${`${context.stack.name}-${context.logicalId}`.slice(0, max - 13)}-${suffix}`;
}

const arn = (context: StandInContext, service: string, resource: string, region = true) =>
  `arn:aws:${service}:${region ? context.stack.region : ''}:${context.stack.account}:${resource}`;

const keyArn = (c: StandInContext) => arn(c, 'kms', `key/${uuid(c)}`);
const roleName = (c: StandInContext) => c.property('RoleName') ?? generatedName(c);
const logGroupName = (c: StandInContext) => c.property('LogGroupName') ?? generatedName(c, 512);
const functionName = (c: StandInContext) => c.property('FunctionName') ?? generatedName(c);
const tableName = (c: StandInContext) => c.property('TableName') ?? generatedName(c, 255);
const topicArn = (c: StandInContext) =>
  arn(c, 'sns', c.property('TopicName') ?? generatedName(c, 256));
/** Secrets Manager appends a hyphen and six random characters to the name in the ARN. */
const secretArn = (c: StandInContext) =>
  arn(c, 'secretsmanager', `secret:${c.property('Name') ?? generatedName(c)}-${secretSuffix(c)}`);
const secretSuffix = (c: StandInContext) => {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const bytes = Buffer.from(standInToken(c), 'hex');
  return [...bytes.subarray(0, 6)].map((byte) => letters[byte % letters.length]).join('');
};
const restApiId = (c: StandInContext) => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = Buffer.from(standInToken(c), 'hex');
  return [...bytes.subarray(0, 10)].map((byte) => alphabet[byte % alphabet.length]).join('');
};

const STAND_INS: Readonly<Record<string, StandIn>> = {
  'AWS::KMS::Key': { ref: uuid, attributes: { Arn: keyArn, KeyId: uuid } },
  'AWS::KMS::Alias': { ref: (c) => c.property('AliasName') },
  'AWS::IAM::Role': {
    ref: roleName,
    attributes: {
      Arn: (c) => arn(c, 'iam', `role${c.property('Path') ?? '/'}${roleName(c)}`, false),
      RoleId: (c) => `AROA${standInToken(c).slice(0, 17).toUpperCase()}`,
    },
  },
  'AWS::Logs::LogGroup': {
    ref: logGroupName,
    attributes: { Arn: (c) => arn(c, 'logs', `log-group:${logGroupName(c)}:*`) },
  },
  'AWS::Lambda::Function': {
    ref: functionName,
    attributes: { Arn: (c) => arn(c, 'lambda', `function:${functionName(c)}`) },
  },
  'AWS::ApiGateway::RestApi': {
    ref: restApiId,
    attributes: { RootResourceId: (c) => standInToken(c).slice(0, 10) },
  },
  'AWS::ApiGateway::Stage': { ref: (c) => c.property('StageName') },
  'AWS::ApiGateway::Deployment': { ref: (c) => standInToken(c).slice(0, 6) },
  'AWS::SecretsManager::Secret': { ref: secretArn, attributes: { Id: secretArn } },
  'AWS::SSM::Parameter': { ref: (c) => c.property('Name') ?? generatedName(c) },
  'AWS::DynamoDB::GlobalTable': {
    ref: tableName,
    attributes: { Arn: (c) => arn(c, 'dynamodb', `table/${tableName(c)}`) },
  },
  'AWS::DynamoDB::Table': {
    ref: tableName,
    attributes: { Arn: (c) => arn(c, 'dynamodb', `table/${tableName(c)}`) },
  },
  'AWS::SNS::Topic': { ref: topicArn, attributes: { TopicArn: topicArn } },
  'AWS::Events::Rule': {
    ref: (c) => c.property('Name') ?? generatedName(c),
    attributes: { Arn: (c) => arn(c, 'events', `rule/${c.property('Name') ?? generatedName(c)}`) },
  },
  'AWS::CloudWatch::Alarm': {
    ref: (c) => c.property('AlarmName') ?? generatedName(c),
    attributes: {
      Arn: (c) => arn(c, 'cloudwatch', `alarm:${c.property('AlarmName') ?? generatedName(c)}`),
    },
  },
};

const PSEUDO_PARAMETERS: Readonly<Record<string, (stack: SynthesizedStack) => string>> = {
  'AWS::Region': (stack) => stack.region,
  'AWS::AccountId': (stack) => stack.account,
  'AWS::Partition': () => 'aws',
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': (stack) => stack.name,
  'AWS::StackId': (stack) =>
    `arn:aws:cloudformation:${stack.region}:${stack.account}:stack/${stack.name}/${createHash('sha256').update(stack.name).digest('hex').slice(0, 8)}`,
};
