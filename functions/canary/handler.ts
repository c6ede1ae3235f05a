import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { RequestSigner } from '../../client/src/request-signer.js';
import { powertoolsBrokerLogger } from '../../shared/adapters/logging/powertools-logger.js';
import { PowertoolsBrokerMetrics } from '../../shared/adapters/metrics/powertools-metrics.js';
import { ENV, METRIC_NAMESPACE, SERVICE_NAME } from '../../shared/config/env-names.js';
import { createCanaryHandler } from './create-handler.js';

// The scheduled canary (EventBridge, every few minutes), in the callers' VPC with its own role.
const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({
  namespace: METRIC_NAMESPACE,
  serviceName: SERVICE_NAME,
  defaultDimensions: { environment: process.env[ENV.environment] ?? 'unnamed' },
});
const run = createCanaryHandler({
  env: process.env,
  logger: powertoolsBrokerLogger(powertoolsLogger),
  metrics: new PowertoolsBrokerMetrics(metrics),
  // The function's role, from the credentials Lambda puts in the environment.
  signer: new RequestSigner({ region: process.env['AWS_REGION'] ?? '' }),
});

export const handler = middy(run)
  .use(injectLambdaContext(powertoolsLogger))
  .use(logMetrics(metrics));
