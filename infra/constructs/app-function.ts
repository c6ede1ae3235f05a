import { fileURLToPath } from 'node:url';
import { type CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BrokerEnvironmentConfig } from '../config.js';
import type { InfraCaller } from '../infra-callers.js';

/**
 * How every function of the app is bundled: minified ESM for Node 24 with the AWS SDK included (the
 * SDK version is the one tested), source maps without sources, and a `require` for CommonJS deps.
 */
export const LAMBDA_BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  externalModules: [],
};

/** The repository root (esbuild's project root) and its lock file. */
export const PROJECT = {
  root: fileURLToPath(new URL('../../', import.meta.url)),
  lockFile: fileURLToPath(new URL('../../package-lock.json', import.meta.url)),
};

/** Adds one statement, with its `Sid`, to a function's role. */
export type AllowStatement = (
  sid: string,
  statement: Omit<iam.PolicyStatementProps, 'sid'>,
) => void;

/** What every function of the app starts from: its own log group and a role of its own. */
export interface FunctionFoundation {
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  readonly allow: AllowStatement;
}

/**
 * A log group with the environment's retention (kept when the stack goes), and a role with a fixed
 * name that may write only to that group. Every other permission is added statement by statement
 * through `allow`: no managed policies, no `grant*` helpers that would grant more than is used.
 */
export function functionFoundation(
  scope: Construct,
  config: BrokerEnvironmentConfig,
  role: { roleName: string; description: string },
): FunctionFoundation {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: config.logRetentionDays as number as logs.RetentionDays,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const created = new iam.Role(scope, 'Role', {
    ...role,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  const allow: AllowStatement = (sid, statement) =>
    created.addToPolicy(new iam.PolicyStatement({ sid, ...statement }));
  allow('WriteOwnLogs', {
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  });
  return { logGroup, role: created, allow };
}

/**
 * The function settings every function of the app shares: Node 24 on ARM64, the app's bundling,
 * JSON logs at the environment's level into its own group, and no X-Ray (per-dependency latency is
 * in the metrics and the logs; Powertools Tracer would cost bundle size and cold start).
 */
export function appFunctionProps(
  config: BrokerEnvironmentConfig,
  foundation: FunctionFoundation,
  entry: string,
): nodejs.NodejsFunctionProps {
  return {
    entry,
    handler: 'handler',
    projectRoot: PROJECT.root,
    depsLockFilePath: PROJECT.lockFile,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    tracing: lambda.Tracing.DISABLED,
    loggingFormat: lambda.LoggingFormat.JSON,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
    applicationLogLevelV2: lambda.ApplicationLogLevel[config.logLevel],
    role: foundation.role,
    logGroup: foundation.logGroup,
    bundling: LAMBDA_BUNDLING,
  };
}

/**
 * CDK makes a function depend on its whole role; the role is already implied by the Role
 * property's GetAtt (cfn-lint W3005), the inline policy is not and must exist before the first
 * invocation, or that invocation runs without its permissions.
 */
export function dependOnInlinePolicy(fn: lambda.Function, role: iam.Role): void {
  const policy = role.node.findChild('DefaultPolicy').node.defaultChild as CfnResource;
  (fn.node.defaultChild as CfnResource).addOverride('DependsOn', [
    Stack.of(fn).getLogicalId(policy),
  ]);
}

/**
 * Reading the environment's configuration secret: `GetSecretValue` on it, and `kms:Decrypt` of its
 * data key only through Secrets Manager and only for this secret.
 */
export function allowConfigSecret(
  scope: Construct,
  allow: AllowStatement,
  config: BrokerEnvironmentConfig,
  dataKeyArn: string,
): void {
  const { region, account } = Stack.of(scope);
  // Secrets Manager appends six random characters to a secret's name in its ARN.
  const secretArn = `arn:aws:secretsmanager:${region}:${account}:secret:${config.names.secret}-??????`;
  allow('ReadConfigSecret', {
    actions: ['secretsmanager:GetSecretValue'],
    resources: [secretArn],
  });
  allow('ConfigSecretKeyViaSecretsManager', {
    actions: ['kms:Decrypt'],
    resources: [dataKeyArn],
    conditions: {
      StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:SecretARN': secretArn },
    },
  });
}

/** `execute-api:Invoke` on exactly the routes an infra caller's rule is for, on the API's stage. */
export function allowInvoke(
  allow: AllowStatement,
  sid: string,
  api: apigw.RestApi,
  caller: InfraCaller,
): void {
  allow(sid, {
    actions: ['execute-api:Invoke'],
    resources: caller.routes.map((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return api.arnForExecuteApi(method, path, api.deploymentStage.stageName);
    }),
  });
}
