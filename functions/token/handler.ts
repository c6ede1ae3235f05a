import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import middy from '@middy/core';
import { DynamoDbTokenCache } from '../../shared/adapters/dynamodb/dynamodb-token-cache.js';
import { createTokenTableClient } from '../../shared/adapters/dynamodb/token-table-client.js';
import { SelfInvokeRefreshScheduler } from '../../shared/adapters/lambda/self-invoke-scheduler.js';
import { powertoolsBrokerLogger } from '../../shared/adapters/logging/powertools-logger.js';
import { PowertoolsBrokerMetrics } from '../../shared/adapters/metrics/powertools-metrics.js';
import { PowertoolsSecretStore } from '../../shared/adapters/secrets/powertools-secret-store.js';
import { ENV, METRIC_NAMESPACE, SERVICE_NAME } from '../../shared/config/env-names.js';
import { systemClock } from '../../shared/ports/clock.js';
import { createLambdaRuntime, createProxyHandler } from './create-handler.js';

// Module scope: built once per container and reused by warm invocations.
const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
const logger = powertoolsBrokerLogger(powertoolsLogger);
// A default dimension, not addDimension(): Powertools clears added dimensions after every flush, so
// warm invocations would lose `environment` and miss the {service, environment} metrics.
const metrics = new Metrics({
  namespace: METRIC_NAMESPACE,
  serviceName: SERVICE_NAME,
  defaultDimensions: { environment: process.env[ENV.environment] ?? 'unnamed' },
});
let kms: KMSClient | undefined;
const functionName = process.env['AWS_LAMBDA_FUNCTION_NAME'];
const region = process.env['AWS_REGION'];

const proxyHandler = createProxyHandler(
  () =>
    createLambdaRuntime({
      env: process.env,
      clock: systemClock,
      logger,
      metrics: new PowertoolsBrokerMetrics(metrics),
      secrets: new PowertoolsSecretStore({ client: new SecretsManagerClient({}) }),
      kmsClient: () => {
        kms ??= new KMSClient({});
        return kms;
      },
      sharedCache: (tableName) =>
        new DynamoDbTokenCache({ client: createTokenTableClient(), tableName }),
      // Refreshes ahead run in an invocation of this function (see SelfInvokeRefreshScheduler).
      refreshScheduler:
        functionName && region
          ? new SelfInvokeRefreshScheduler({ functionName, region, credentials: fromEnv() })
          : undefined,
    }),
  logger,
);

export const handler = middy(proxyHandler)
  .use(injectLambdaContext(powertoolsLogger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
