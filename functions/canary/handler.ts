import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { RequestSigner } from '../../client/src/request-signer.js';
import { powertoolsSetup } from '../../shared/adapters/metrics/powertools-setup.js';
import { createCanaryHandler } from './create-handler.js';

// The scheduled canary (EventBridge, every few minutes), in the callers' VPC with its own role.
const { powertoolsLogger, metrics, logger, brokerMetrics } = powertoolsSetup();
const run = createCanaryHandler({
  env: process.env,
  logger,
  metrics: brokerMetrics,
  // The function's role, from the credentials Lambda puts in the environment.
  signer: new RequestSigner({ region: process.env['AWS_REGION'] ?? '' }),
});

export const handler = middy(run)
  .use(injectLambdaContext(powertoolsLogger))
  .use(logMetrics(metrics));
