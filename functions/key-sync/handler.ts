import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { powertoolsBrokerLogger } from '../../shared/adapters/logging/powertools-logger.js';
import { PowertoolsBrokerMetrics } from '../../shared/adapters/metrics/powertools-metrics.js';
import { PowertoolsSecretStore } from '../../shared/adapters/secrets/powertools-secret-store.js';
import { ENV, METRIC_NAMESPACE, SERVICE_NAME } from '../../shared/config/env-names.js';
import { systemClock } from '../../shared/ports/clock.js';
import { brokerClientFor, brokerTokenProvider } from './broker-token.js';
import { createKeySyncHandler } from './create-handler.js';

// Module scope: one set of clients per container. See create-handler.ts for what a run does.
const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({
  namespace: METRIC_NAMESPACE,
  serviceName: SERVICE_NAME,
  defaultDimensions: { environment: process.env[ENV.environment] ?? 'unnamed' },
});
const keySync = createKeySyncHandler({
  env: process.env,
  clock: systemClock,
  logger: powertoolsBrokerLogger(powertoolsLogger),
  metrics: new PowertoolsBrokerMetrics(metrics),
  // Read every run: a kid changed in the secret reaches the next sync.
  secrets: new PowertoolsSecretStore({ client: new SecretsManagerClient({}), maxAgeSeconds: 0 }),
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
