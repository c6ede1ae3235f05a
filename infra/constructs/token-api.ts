import { Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BrokerEnvironmentConfig } from '../config.js';
import { integrationTimeoutMs } from '../sizing.js';

/** Every route, all served by the one Lambda (proxy integration), all `AWS_IAM`. */
export const ROUTES = [
  { method: 'POST', path: '/v1/token' },
  { method: 'GET', path: '/v1/jwks' },
  { method: 'GET', path: '/v1/health' },
  { method: 'GET', path: '/v1/openapi.json' },
  { method: 'POST', path: '/v1/systemuser-requests' },
  { method: 'GET', path: '/v1/systemuser-requests' },
  { method: 'GET', path: '/v1/systemuser-requests/{id}' },
  { method: 'DELETE', path: '/v1/systemuser-requests/{id}' },
  { method: 'GET', path: '/v1/systemusers' },
  { method: 'POST', path: '/v1/systemuser-changes' },
  { method: 'GET', path: '/v1/systemuser-changes' },
  { method: 'GET', path: '/v1/systemuser-changes/{id}' },
  { method: 'DELETE', path: '/v1/systemuser-changes/{id}' },
] as const;

/**
 * First-line bound on POST bodies (the Lambda validates fully and names the problem): a JSON object
 * of at most 16 members whose values are scalars or short lists of scalars. No nesting, so deep or
 * huge documents stop at the gateway.
 */
export const BODY_SCHEMA: apigw.JsonSchema = {
  schema: apigw.JsonSchemaVersion.DRAFT4,
  title: 'BrokerJsonBody',
  type: apigw.JsonSchemaType.OBJECT,
  maxProperties: 16,
  additionalProperties: {
    type: [
      apigw.JsonSchemaType.STRING,
      apigw.JsonSchemaType.NUMBER,
      apigw.JsonSchemaType.BOOLEAN,
      apigw.JsonSchemaType.ARRAY,
    ],
    maxLength: 8192,
    maxItems: 50,
    items: {
      type: [
        apigw.JsonSchemaType.STRING,
        apigw.JsonSchemaType.NUMBER,
        apigw.JsonSchemaType.BOOLEAN,
      ],
      maxLength: 2048,
    },
  },
};

export interface TokenApiProps {
  readonly config: BrokerEnvironmentConfig;
  readonly handler: lambda.IFunction;
}

/** Seconds a caller should wait before retrying a throttled or failed gateway answer. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The private REST API: reachable only through the configured execute-api VPC endpoints (endpoint
 * type PRIVATE plus a resource policy that denies any other source), SigV4/IAM on every method,
 * body validation, JSON access logs, stage throttling, ERROR execution logs to a log group the stack
 * owns, an integration timeout derived from the broker's deadline, and no X-Ray.
 */
export class TokenApi extends Construct {
  readonly api: apigw.RestApi;
  readonly accessLogGroup: logs.LogGroup;
  readonly executionLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TokenApiProps) {
    super(scope, id);
    const { config } = props;
    const endpointIds = config.network.executeApiVpcEndpointIds;
    const vpcEndpoints = endpointIds.map((vpcEndpointId) =>
      ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(this, vpcEndpointId, {
        vpcEndpointId,
        port: 443,
      }),
    );

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays as number as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: config.names.api,
      description: `Maskinporten token broker (${config.name}), private, SigV4 only`,
      endpointConfiguration: { types: [apigw.EndpointType.PRIVATE], vpcEndpoints },
      policy: resourcePolicy(endpointIds, config.callerAccountIds),
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      cloudWatchRole: config.api.createCloudWatchRole,
      ...(config.api.createCloudWatchRole
        ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }
        : {}),
      deployOptions: {
        stageName: config.name,
        tracingEnabled: false,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        // Never log request or response bodies: they carry access tokens.
        dataTraceEnabled: false,
        metricsEnabled: false,
        throttlingRateLimit: config.api.throttlingRateLimit,
        throttlingBurstLimit: config.api.throttlingBurstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
      },
    });

    const validator = this.api.addRequestValidator('BodyValidator', {
      requestValidatorName: 'json-body',
      validateRequestBody: true,
      // No method declares required parameters, so this checks nothing today; kept on for new ones.
      validateRequestParameters: true,
    });
    const bodyModel = this.api.addModel('BodyModel', {
      contentType: 'application/json',
      modelName: 'BrokerJsonBody',
      schema: BODY_SCHEMA,
    });
    // API Gateway names the execution log group itself and creates it, without a retention, at the
    // stage's first log line; creating it here first (the stage depends on it) keeps the retention.
    this.executionLogGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: Fn.join('', [
        'API-Gateway-Execution-Logs_',
        this.api.restApiId,
        `/${config.name}`,
      ]),
      retention: config.logRetentionDays as number as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api.deploymentStage.node.addDependency(this.executionLogGroup);

    const integration = new apigw.LambdaIntegration(props.handler, {
      proxy: true,
      allowTestInvoke: false,
      timeout: Duration.millis(integrationTimeoutMs(config)),
    });
    for (const route of ROUTES) {
      const method = this.api.root
        .resourceForPath(route.path)
        .addMethod(
          route.method,
          integration,
          route.method === 'POST'
            ? { requestValidator: validator, requestModels: { 'application/json': bodyModel } }
            : {},
        );
      Validations.of(method).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason:
          'Callers are internal AWS workloads, not end users: this method uses AWS_IAM (SigV4) authorisation, the resource policy admits only the configured VPC endpoints and caller accounts, and the broker checks each IAM principal against its caller policy.',
      });
    }
    addErrorResponses(this.api);

    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG3',
      reason:
        'The API is PRIVATE: it has no internet-facing endpoint and is reachable only through the configured execute-api VPC endpoints, with SigV4 on every method and stage throttling; a WAF web ACL adds no protection for this traffic.',
    });
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-wide API Gateway CloudWatch role must write to log groups of every API in the account and region; AmazonAPIGatewayPushToCloudWatchLogs is the AWS-documented policy for exactly that role, and only API Gateway can assume it.',
      });
    }
  }

  /** `https://{api-id}-{vpce-id}.execute-api.{region}.amazonaws.com/{stage}` per VPC endpoint. */
  invokeUrls(endpointIds: readonly string[]): string[] {
    const { region, urlSuffix } = Stack.of(this);
    const stage = this.api.deploymentStage.stageName;
    return endpointIds.map(
      (vpce) => `https://${this.api.restApiId}-${vpce}.execute-api.${region}.${urlSuffix}/${stage}`,
    );
  }
}

/**
 * Deny every request that does not arrive through one of our VPC endpoints (explicit deny wins
 * over any allow), then allow the caller accounts. Naming accounts rather than `*` delegates to IAM:
 * a principal also needs an identity policy allowing `execute-api:Invoke` on this API.
 */
function resourcePolicy(
  endpointIds: readonly string[],
  callerAccountIds: readonly string[],
): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'DenyUnlessThroughOurVpcEndpoints',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions: { StringNotEquals: { 'aws:SourceVpce': [...endpointIds] } },
      }),
      new iam.PolicyStatement({
        sid: 'AllowCallerAccounts',
        effect: iam.Effect.ALLOW,
        principals: callerAccountIds.map((account) => new iam.AccountPrincipal(account)),
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
      }),
    ],
  });
}

function accessLogFormat(): apigw.AccessLogFormat {
  const F = apigw.AccessLogField;
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: F.contextRequestId(),
      requestTime: F.contextRequestTime(),
      httpMethod: F.contextHttpMethod(),
      resourcePath: F.contextResourcePath(),
      status: F.contextStatus(),
      responseLength: F.contextResponseLength(),
      responseLatency: F.contextResponseLatency(),
      integrationLatency: F.contextIntegrationLatency(),
      integrationStatus: F.contextIntegrationStatus(),
      caller: F.contextIdentityCaller(),
      userArn: F.contextIdentityUserArn(),
      accountId: F.contextIdentityAccountId(),
      sourceIp: F.contextIdentitySourceIp(),
      vpceId: '$context.identity.vpceId',
      userAgent: F.contextIdentityUserAgent(),
      errorMessage: F.contextErrorMessage(),
      errorType: F.contextErrorResponseType(),
      validationError: F.contextErrorValidationErrorString(),
    }),
  );
}

/** API Gateway's own message, already quoted and escaped for JSON. */
const MESSAGE = '$context.error.messageString';

/** One gateway-generated answer: its type, status, OAuth error code and description. */
interface GatewayAnswer {
  readonly id: string;
  readonly type: apigw.ResponseType;
  /** Unset: API Gateway's own status for the type (the DEFAULT_* catch-alls). */
  readonly statusCode?: string;
  readonly error: string;
  /** A JSON string literal, or `MESSAGE` (API Gateway's own message). */
  readonly description: string;
  readonly retryAfter?: boolean;
}

/**
 * Every answer API Gateway gives itself, in the broker's shape `{"error","error_description"}` (RFC
 * 6749 §5.2) with `Content-Type: application/json`, so callers parse one format whether API Gateway
 * or the Lambda answered. Which type covers what (API Gateway developer guide, "Gateway response
 * types"; Lambda developer guide, "Handling Lambda errors with an API Gateway API"):
 * - INTEGRATION_FAILURE: Lambda refused the invocation, above all a throttle (reserved concurrency
 *   exhausted, 429 TooManyRequestsException), which API Gateway would answer as 500 → 503.
 * - INTEGRATION_TIMEOUT: no answer within the integration timeout → 504.
 * - THROTTLED: the stage's rate or burst limit → 429.
 * - DEFAULT_5XX: what is left, e.g. a function that crashed or returned a malformed answer (502).
 */
export const GATEWAY_ANSWERS: readonly GatewayAnswer[] = [
  {
    id: 'BadBody',
    type: apigw.ResponseType.BAD_REQUEST_BODY,
    statusCode: '400',
    error: 'invalid_request',
    description:
      '"the body must be a JSON object of at most 16 members whose values are strings, numbers, booleans or lists of them"',
  },
  {
    id: 'AccessDenied',
    type: apigw.ResponseType.ACCESS_DENIED,
    statusCode: '403',
    error: 'access_denied',
    description: '"this IAM principal or network path may not invoke the broker"',
  },
  {
    id: 'MissingAuth',
    type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '403',
    error: 'invalid_request',
    description: '"unknown route, or the request is not signed with SigV4 for execute-api"',
  },
  {
    id: 'Throttled',
    type: apigw.ResponseType.THROTTLED,
    statusCode: '429',
    error: 'temporarily_unavailable',
    description: '"rate limit exceeded; retry after the Retry-After seconds, with backoff"',
    retryAfter: true,
  },
  {
    id: 'IntegrationFailure',
    type: apigw.ResponseType.INTEGRATION_FAILURE,
    statusCode: '503',
    error: 'temporarily_unavailable',
    description:
      '"the broker is at capacity or could not be invoked; retry after the Retry-After seconds, with backoff"',
    retryAfter: true,
  },
  {
    id: 'IntegrationTimeout',
    type: apigw.ResponseType.INTEGRATION_TIMEOUT,
    statusCode: '504',
    error: 'temporarily_unavailable',
    description: '"the broker did not answer in time; retry after the Retry-After seconds"',
    retryAfter: true,
  },
  {
    id: 'TooLarge',
    type: apigw.ResponseType.REQUEST_TOO_LARGE,
    statusCode: '413',
    error: 'invalid_request',
    description: '"the request body is too large"',
  },
  {
    id: 'Default4xx',
    type: apigw.ResponseType.DEFAULT_4XX,
    error: 'invalid_request',
    description: MESSAGE,
  },
  {
    id: 'Default5xx',
    type: apigw.ResponseType.DEFAULT_5XX,
    error: 'server_error',
    description: MESSAGE,
  },
];

function addErrorResponses(api: apigw.RestApi): void {
  for (const answer of GATEWAY_ANSWERS) {
    api.addGatewayResponse(answer.id, {
      type: answer.type,
      ...(answer.statusCode ? { statusCode: answer.statusCode } : {}),
      responseHeaders: {
        'Content-Type': "'application/json'",
        ...(answer.retryAfter ? { 'Retry-After': `'${RETRY_AFTER_SECONDS}'` } : {}),
      },
      templates: {
        'application/json': `{"error":"${answer.error}","error_description":${answer.description}}`,
      },
    });
  }
}
