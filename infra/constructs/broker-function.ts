import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names.js';
import { type BrokerEnvironmentConfig, SERVICE_NAME } from '../config.js';
import { METRIC_NAMESPACE } from '../metric-names.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Lambda entry point (export `handler`, API Gateway REST proxy event v1). */
export const HANDLER_ENTRY = fileURLToPath(
  new URL('../../functions/token/handler.ts', import.meta.url),
);

/** Lambda timeout: above the broker's own 6 s deadline, so the broker always answers first. */
export const FUNCTION_TIMEOUT = Duration.seconds(10);

/** The only DynamoDB actions the broker uses (no Scan/Query/Delete/CreateTable/DescribeTable). */
export const TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/**
 * What DynamoDB asks KMS for on the caller's behalf when the table uses a customer-managed key
 * (table key decryption every few minutes, data key generation); only through DynamoDB.
 */
export const TABLE_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
];

export interface BrokerFunctionProps {
  readonly config: BrokerEnvironmentConfig;
  /** The key the broker signs with (`SIGNING_KEY`). */
  readonly activeSigningKey: kms.IKey;
  /** During rotation: the other live key (`SIGNING_KEY_NEXT`), published in the JWKS. */
  readonly nextSigningKey?: kms.IKey | undefined;
  readonly table: dynamodb.ITableV2;
  readonly secret: secretsmanager.ISecret;
  /** The customer-managed key that encrypts the table and the secret. */
  readonly dataKey: kms.IKey;
}

/**
 * The token Lambda: esbuild-bundled minified ESM (AWS SDK included), Node 24 on ARM64, X-Ray, its
 * own log group with retention, and a role written statement by statement (no managed policies,
 * no `grant*` helpers that would grant more than the broker does).
 */
export class BrokerFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BrokerFunctionProps) {
    super(scope, id);
    const { config } = props;
    const region = Stack.of(this).region;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: config.logRetentionDays as number as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${SERVICE_NAME} token function (${config.name})`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const signingKeys = [props.activeSigningKey, props.nextSigningKey].filter(
      (key): key is kms.IKey => key !== undefined,
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SignGrantsRs256',
        actions: ['kms:Sign'],
        resources: signingKeys.map((key) => key.keyArn),
        conditions: {
          StringEquals: {
            'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_SHA_256',
            'kms:MessageType': 'DIGEST',
          },
        },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSigningPublicKeys',
        actions: ['kms:GetPublicKey'],
        resources: signingKeys.map((key) => key.keyArn),
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TokenCacheItems',
        actions: TABLE_ACTIONS,
        resources: [props.table.tableArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TokenCacheKeyViaDynamoDb',
        actions: TABLE_KEY_ACTIONS,
        resources: [props.dataKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadConfigSecret',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.secret.secretArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ConfigSecretKeyViaSecretsManager',
        actions: ['kms:Decrypt'],
        resources: [props.dataKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `secretsmanager.${region}.amazonaws.com`,
            'kms:EncryptionContext:SecretARN': props.secret.secretArn,
          },
        },
      }),
    );

    const environment: Record<string, string> = {
      [ENV.issuer]: config.maskinportenIssuer,
      [ENV.altinnPlatform]: config.altinnPlatformUrl,
      [ENV.signingKey]: `kms:${props.activeSigningKey.keyArn}`,
      [ENV.tokenCacheTable]: props.table.tableName,
      [ENV.configSecret]: props.secret.secretArn,
      [ENV.environment]: config.name,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (props.nextSigningKey) {
      environment[ENV.signingKeyNext] = `kms:${props.nextSigningKey.keyArn}`;
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      functionName: config.names.function,
      description: `Maskinporten token broker (${config.name})`,
      entry: HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: fileURLToPath(new URL('../../package-lock.json', import.meta.url)),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: config.function.memoryMb,
      timeout: FUNCTION_TIMEOUT,
      ...(config.function.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: config.function.reservedConcurrency }),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        banner:
          "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        externalModules: [],
      },
    });

    // Narrowest scope: the role's inline policy, and only its Resource::* finding. The infra tests
    // assert that the X-Ray statement is the only one with a wildcard resource.
    const defaultPolicy = this.role.node.findChild('DefaultPolicy');
    Validations.of(defaultPolicy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the xray:PutTraceSegments and xray:PutTelemetryRecords statement that Lambda active tracing adds: X-Ray supports no resource-level permissions for these actions, so AWS requires Resource "*".',
    });
  }
}
