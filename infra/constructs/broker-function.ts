import { fileURLToPath } from 'node:url';
import { Duration, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names.js';
import { type AccessPrincipals, tokenSealEncryptionContext } from '../access.js';
import { type BrokerEnvironmentConfig, SERVICE_NAME } from '../config.js';
import { METRIC_NAMESPACE } from '../metric-names.js';
import { functionTimeoutSeconds, reservedConcurrency } from '../sizing.js';
import {
  allowConfigSecret,
  appFunctionProps,
  dependOnInlinePolicy,
  functionFoundation,
  LAMBDA_BUNDLING,
} from './app-function.js';
import { SIGN_CONDITIONS } from './key-policies.js';
import { tokenTableArn } from './token-cache-table.js';

/** The Lambda entry point (export `handler`, API Gateway REST proxy event v1). */
export const HANDLER_ENTRY = fileURLToPath(
  new URL('../../functions/token/handler.ts', import.meta.url),
);

/**
 * What the Lambda bundle does beyond CDK's defaults, to keep the cold start small (the benchmark
 * measures the asset this produces):
 * - the AWS SDK's default credential chain is replaced by the environment provider
 *   (`functions/token/env-credentials.ts` says why), an esbuild alias resolved from the project
 *   root: the working directory of local bundling, and of Docker bundling as set here;
 * - the OpenAPI document is copied beside `index.mjs` instead of being bundled: the route reads it
 *   on first use (`shared/http/openapi-route.ts`).
 */
export const LAMBDA_BUNDLE_EXTRAS = {
  esbuildArgs: {
    '--alias': '@aws-sdk/credential-provider-node=./functions/token/env-credentials.ts',
  },
  workingDirectory: '/asset-input',
  commandHooks: {
    beforeBundling: (): string[] => [],
    beforeInstall: (): string[] => [],
    afterBundling: (inputDir: string, outputDir: string): string[] => [
      `cp "${inputDir}/shared/http/openapi.json" "${outputDir}/openapi.json"`,
    ],
  },
} satisfies Partial<nodejs.BundlingOptions>;

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
  readonly principals: AccessPrincipals;
  /** ARN of the key the broker signs with (`SIGNING_KEY`). */
  readonly activeSigningKeyArn: string;
  /** During rotation: the other live key (`SIGNING_KEY_NEXT`), published in the JWKS. */
  readonly nextSigningKeyArn?: string | undefined;
  /** The customer-managed key that encrypts the table and the secret at rest. */
  readonly dataKeyArn: string;
  /** The key whose data keys seal each cached token (`TOKEN_CACHE_KMS_KEY`). */
  readonly tokenSealKeyArn: string;
}

/**
 * The token Lambda: esbuild-bundled minified ESM (AWS SDK included), Node 24 on ARM64, JSON logs to
 * its own log group with retention, no X-Ray, reserved concurrency sized for an outage, a timeout
 * derived from the deadline, and a role with a fixed name (the stateful stack's key and resource
 * policies name it) written statement by statement (no managed policies, no `grant*` helpers that
 * would grant more than the broker does).
 */
export class BrokerFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BrokerFunctionProps) {
    super(scope, id);
    const { config, principals } = props;
    const { region, account } = Stack.of(this);

    const foundation = functionFoundation(this, config, {
      roleName: config.names.functionRole,
      description: `${SERVICE_NAME} token function (${config.name})`,
    });
    const { allow } = foundation;
    this.logGroup = foundation.logGroup;
    this.role = foundation.role;

    const signingKeys = [props.activeSigningKeyArn, props.nextSigningKeyArn].filter(
      (arn): arn is string => arn !== undefined,
    );
    allow('SignGrantsRs256', {
      actions: ['kms:Sign'],
      resources: signingKeys,
      conditions: { StringEquals: SIGN_CONDITIONS },
    });
    allow('ReadSigningPublicKeys', { actions: ['kms:GetPublicKey'], resources: signingKeys });
    allow('TokenCacheItems', {
      actions: TABLE_ACTIONS,
      resources: [tokenTableArn(principals, config.names.table)],
    });
    allow('TokenCacheKeyViaDynamoDb', {
      actions: TABLE_KEY_ACTIONS,
      resources: [props.dataKeyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
    });
    allow('SealCachedTokens', {
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [props.tokenSealKeyArn],
      conditions: {
        StringEquals: Object.fromEntries(
          Object.entries(tokenSealEncryptionContext(config.names.table)).map(([key, value]) => [
            `kms:EncryptionContext:${key}`,
            value,
          ]),
        ),
      },
    });
    allowConfigSecret(this, allow, config, props.dataKeyArn);
    // Refresh ahead runs in an asynchronous invocation of the function itself; the ARN is built
    // from the fixed name, so the role does not depend on the function (no cycle).
    allow('InvokeSelfForRefreshAhead', {
      actions: ['lambda:InvokeFunction'],
      resources: [`arn:aws:lambda:${region}:${account}:function:${config.names.function}`],
    });
    allow('ReadCallerPolicy', {
      actions: ['ssm:GetParameter'],
      resources: [`arn:aws:ssm:${region}:${account}:parameter${config.names.policyParameter}`],
    });

    const environment: Record<string, string> = {
      [ENV.issuer]: config.maskinportenIssuer,
      [ENV.altinnPlatform]: config.altinnPlatformUrl,
      [ENV.signingKey]: `kms:${props.activeSigningKeyArn}`,
      [ENV.tokenCacheTable]: config.names.table,
      [ENV.tokenCacheKmsKey]: props.tokenSealKeyArn,
      [ENV.configSecret]: config.names.secret,
      [ENV.policyParameter]: config.names.policyParameter,
      [ENV.apiStage]: config.name,
      [ENV.vpcEndpointIds]: config.network.executeApiVpcEndpointIds.join(','),
      [ENV.environment]: config.name,
      [ENV.deadlineMs]: String(config.deadlineMs),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (props.nextSigningKeyArn) {
      environment[ENV.signingKeyNext] = `kms:${props.nextSigningKeyArn}`;
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...appFunctionProps(config, foundation, HANDLER_ENTRY),
      functionName: config.names.function,
      description: `Maskinporten token broker (${config.name})`,
      memorySize: config.function.memoryMb,
      timeout: Duration.seconds(functionTimeoutSeconds(config)),
      reservedConcurrentExecutions: reservedConcurrency(config),
      // The only asynchronous invocations are refresh events: one that fails is not retried
      // minutes later (the next request in the window starts another), and a queued one that
      // waited a minute is dropped (its token has been renewed or has run out by then).
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      environment,
      bundling: { ...LAMBDA_BUNDLING, ...LAMBDA_BUNDLE_EXTRAS },
    });
    dependOnInlinePolicy(this.function, this.role);
  }
}
