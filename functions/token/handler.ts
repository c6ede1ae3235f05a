import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { KMSClient } from '@aws-sdk/client-kms';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import middy, { type MiddlewareObj } from '@middy/core';
import { DynamoDbTokenCache } from '../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { createTokenTableClient } from '../../shared/adapters/dynamodb/token-table-client.js';
import type { ApiGatewayProxyEvent } from '../../shared/adapters/http/apigateway-event.js';
import { SelfInvokeRefreshScheduler } from '../../shared/adapters/lambda/self-invoke-scheduler.js';
import { powertoolsSetup } from '../../shared/adapters/metrics/powertools-setup.js';
import { SsmParameterStore } from '../../shared/adapters/parameters/ssm-parameter-store.js';
import { SecretsManagerStore } from '../../shared/adapters/secrets/secrets-manager-store.js';
import { systemClock } from '../../shared/ports/clock.js';
import { createLambdaGate, createLambdaRuntime, createProxyHandler } from './create-handler.js';

// Module scope: built once per container and reused by warm invocations.
const { powertoolsLogger, metrics, logger, brokerMetrics } = powertoolsSetup();
let kms: KMSClient | undefined;
const functionName = process.env['AWS_LAMBDA_FUNCTION_NAME'];
const region = process.env['AWS_REGION'];
const credentials = fromEnv();
// The SDK's own endpoint overrides (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL), for the calls
// made without an SDK client, as the clients read them.
const endpoint = (service: string) =>
  process.env[`AWS_ENDPOINT_URL_${service}`] ?? process.env['AWS_ENDPOINT_URL'];

const proxyHandler = createProxyHandler(
  () =>
    createLambdaRuntime({
      env: process.env,
      clock: systemClock,
      logger,
      metrics: brokerMetrics,
      secrets: new SecretsManagerStore({
        region: region ?? '',
        credentials,
        endpoint: endpoint('SECRETS_MANAGER'),
      }),
      parameters: new SsmParameterStore({
        region: region ?? '',
        credentials,
        endpoint: endpoint('SSM'),
      }),
      kmsClient: () => {
        kms ??= new KMSClient({});
        return kms;
      },
      sharedCache: (tableName) =>
        new DynamoDbTokenCache({ client: createTokenTableClient(), tableName }),
      // Refreshes ahead run in an invocation of this function (see SelfInvokeRefreshScheduler).
      refreshScheduler:
        functionName && region
          ? new SelfInvokeRefreshScheduler({
              functionName,
              region,
              credentials,
              endpoint: endpoint('LAMBDA'),
            })
          : undefined,
    }),
  logger,
  () => createLambdaGate({ env: process.env, logger, metrics: brokerMetrics }),
);

/**
 * API Gateway's request id (`requestContext.requestId`) on every line of the invocation, as
 * `requestId`: the name the audit line and the API's access log use for it. It goes on the log
 * lines as a temporary key (cleared after the invocation by `resetKeys`) and on the metrics line as
 * metadata (cleared when the metrics are flushed). The Lambda's own id is Powertools'
 * `function_request_id`. The value is the event's, so it is cut short: a forged event could make
 * it long.
 */
const requestIdOnEveryLine: MiddlewareObj<ApiGatewayProxyEvent> = {
  before: ({ event }) => {
    const requestId = event?.requestContext?.requestId;
    if (typeof requestId !== 'string' || requestId === '') return;
    const shown = requestId.slice(0, 128);
    powertoolsLogger.appendKeys({ requestId: shown });
    metrics.addMetadata('requestId', shown);
  },
};

// Middy runs `before` in this order and `after` in reverse: the request id is on every line from
// the start, the metrics are flushed with it, and the logger's keys are reset last.
export const handler = middy(proxyHandler)
  .use(injectLambdaContext(powertoolsLogger, { resetKeys: true }))
  .use(requestIdOnEveryLine)
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
