import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ENV, METRIC_NAMESPACE, SERVICE_NAME } from '../../config/env-names.js';
import type { BrokerLogger } from '../../ports/logger.js';
import type { BrokerMetrics } from '../../ports/metrics.js';
import { metricsWarningLogger, powertoolsBrokerLogger } from '../logging/powertools-logger.js';
import { PowertoolsBrokerMetrics } from './powertools-metrics.js';

/** What every function of the app logs and counts with: Powertools, and the ports over it. */
export interface PowertoolsSetup {
  /** For `injectLambdaContext`. */
  powertoolsLogger: Logger;
  /** For `logMetrics`. */
  metrics: Metrics;
  logger: BrokerLogger;
  brokerMetrics: BrokerMetrics;
}

/**
 * The Powertools logger and metrics for one function, made once per container. `environment` is a
 * default dimension, not `addDimension()`: Powertools clears added dimensions after every flush,
 * so warm invocations would lose it and miss the {service, environment} metrics. Powertools
 * Metrics' own warnings go through the logger, as JSON lines with the request id.
 */
export function powertoolsSetup(
  env: Readonly<Record<string, string | undefined>> = process.env,
): PowertoolsSetup {
  const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
  const metrics = new Metrics({
    namespace: METRIC_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { environment: env[ENV.environment] ?? 'unnamed' },
    logger: metricsWarningLogger(powertoolsLogger),
  });
  return {
    powertoolsLogger,
    metrics,
    logger: powertoolsBrokerLogger(powertoolsLogger),
    brokerMetrics: new PowertoolsBrokerMetrics(metrics),
  };
}
