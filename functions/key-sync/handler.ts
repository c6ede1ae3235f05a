import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { KMSClient } from '@aws-sdk/client-kms';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import middy from '@middy/core';
import { powertoolsSetup } from '../../shared/adapters/metrics/powertools-setup.js';
import { SecretsManagerStore } from '../../shared/adapters/secrets/secrets-manager-store.js';
import { systemClock } from '../../shared/ports/clock.js';
import { brokerClientFor, brokerTokenProvider } from './broker-token.js';
import { createKeySyncHandler } from './create-handler.js';

// Module scope: one set of clients per container. See create-handler.ts for what a run does.
const { powertoolsLogger, metrics, logger, brokerMetrics } = powertoolsSetup();
const keySync = createKeySyncHandler({
  env: process.env,
  clock: systemClock,
  logger,
  metrics: brokerMetrics,
  // Read every run: a kid changed in the secret reaches the next sync. The same signed read as the
  // token function's; the SDK's endpoint override is honoured as its clients do.
  secrets: new SecretsManagerStore({
    region: process.env['AWS_REGION'] ?? '',
    credentials: fromEnv(),
    endpoint: process.env['AWS_ENDPOINT_URL_SECRETS_MANAGER'] ?? process.env['AWS_ENDPOINT_URL'],
  }),
  kms: new KMSClient({}),
  brokerToken: (config) => brokerTokenProvider(brokerClientFor(config)),
});

/** EventBridge's scheduled event (hourly); the event itself carries nothing the sync needs. */
export const handler = middy(
  async (_event: unknown, context: { getRemainingTimeInMillis(): number }) =>
    keySync(context.getRemainingTimeInMillis()),
)
  .use(injectLambdaContext(powertoolsLogger))
  .use(logMetrics(metrics));
