import { randomBytes } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { SynthesizedFunction } from './cloud-assembly.js';
import type { TemplateResolver } from './template-resolver.js';

/**
 * A function's environment as Lambda would give it: the template's `Environment.Variables`,
 * resolved with the local stand-ins, plus what the Lambda runtime itself sets, plus the AWS SDK's
 * standard endpoint variables pointing at the local fakes. Nothing else: a variable the code reads
 * under a name the template does not set stays unset here, as it would in AWS.
 *
 * External services the template names by URL (Maskinporten, Altinn, Digdir's self-service API,
 * the private API) are replaced by value, never by variable name: every value (or item of a
 * comma-separated list) that starts with a real base URL starts with its local stand-in's instead.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */
export interface FunctionEnvironment {
  /** The whole process environment. */
  env: Record<string, string>;
  /** The template's variables, resolved and with external URLs replaced. */
  template: Record<string, string>;
  /** The template variables whose value had a real URL replaced. */
  rewritten: string[];
}

/** The local stand-ins of the AWS services, as `AWS_ENDPOINT_URL_<SERVICE>`. */
export interface ServiceEndpoints {
  kms: string;
  secretsManager: string;
  ssm: string;
  dynamodb: string;
}

export interface FunctionEnvironmentOptions {
  fn: SynthesizedFunction;
  resolver: TemplateResolver;
  /** `[real base URL, local stand-in]` pairs. */
  urlStandIns: ReadonlyArray<readonly [string, string]>;
  endpoints: ServiceEndpoints;
  /**
   * A PEM file of certificates the process trusts besides the public CAs (`NODE_EXTRA_CA_CERTS`):
   * the local stand-ins that speak HTTPS.
   */
  extraCaFile?: string;
  /** The temporary credentials Lambda would give the function's role. */
  credentials: Required<Pick<AwsCredentialIdentity, 'accessKeyId' | 'secretAccessKey'>> &
    Pick<AwsCredentialIdentity, 'sessionToken'>;
}

export function functionEnvironment(options: FunctionEnvironmentOptions): FunctionEnvironment {
  const { fn, resolver } = options;
  const properties = fn.properties;
  const resolved: Record<string, unknown> = resolver.resolve(
    fn.stack,
    properties.Environment?.Variables ?? {},
  );
  const template: Record<string, string> = {};
  const rewritten: string[] = [];
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'string') {
      throw new Error(`${fn.logicalId}: environment variable ${name} is not a string`);
    }
    // A list of URLs (the canary's `BROKER_URLS`) has each item replaced.
    const replaced = value
      .split(',')
      .map((item) => replaceUrls(item, options.urlStandIns))
      .join(',');
    if (replaced !== value) rewritten.push(name);
    template[name] = replaced;
  }
  const logging = resolver.resolve(fn.stack, properties.LoggingConfig ?? {});
  const functionName = resolver.ref(fn.stack, fn.logicalId);
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const runtime: Record<string, string> = {
    _HANDLER: properties.Handler,
    AWS_REGION: fn.stack.region,
    AWS_DEFAULT_REGION: fn.stack.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${properties.Runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(properties.MemorySize ?? 128),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: logging.LogGroup ?? `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${date}/[$LATEST]${randomBytes(16).toString('hex')}`,
    AWS_ACCESS_KEY: options.credentials.accessKeyId,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
    ...(options.credentials.sessionToken
      ? { AWS_SESSION_TOKEN: options.credentials.sessionToken }
      : {}),
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    ...(logging.LogFormat === 'JSON'
      ? {
          AWS_LAMBDA_LOG_FORMAT: 'JSON',
          AWS_LAMBDA_LOG_LEVEL: logging.ApplicationLogLevel ?? 'INFO',
        }
      : {}),
  };
  const sdk: Record<string, string> = {
    AWS_ENDPOINT_URL_KMS: options.endpoints.kms,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: options.endpoints.secretsManager,
    AWS_ENDPOINT_URL_SSM: options.endpoints.ssm,
    AWS_ENDPOINT_URL_DYNAMODB: options.endpoints.dynamodb,
    ...(options.extraCaFile ? { NODE_EXTRA_CA_CERTS: options.extraCaFile } : {}),
  };
  // Lambda refuses a function whose variables use reserved names; so does the harness.
  const reserved = Object.keys(template).filter((name) => name in runtime || name in sdk);
  if (reserved.length > 0) {
    throw new Error(`${fn.logicalId} sets reserved variables: ${reserved.join(', ')}`);
  }
  return { env: { ...template, ...runtime, ...sdk }, template, rewritten };
}

/** `value` with a leading real base URL replaced by its stand-in. */
export function replaceUrls(
  value: string,
  standIns: ReadonlyArray<readonly [string, string]>,
): string {
  for (const [real, local] of standIns) {
    if (value === real || value.startsWith(real.endsWith('/') ? real : `${real}/`)) {
      return local + value.slice(real.length);
    }
  }
  return value;
}
