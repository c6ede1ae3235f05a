import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BrokerMetricName, BrokerMetrics } from '../../ports/metrics.js';

/**
 * Broker metrics as CloudWatch EMF through Powertools: flushed once per invocation by the
 * `logMetrics` middleware, with only the `service` and `environment` dimensions.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format.html
 */
export class PowertoolsBrokerMetrics implements BrokerMetrics {
  readonly #metrics: Metrics;

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
  }

  count(name: BrokerMetricName, value = 1): void {
    this.#metrics.addMetric(name, MetricUnit.Count, value);
  }

  timing(name: BrokerMetricName, ms: number): void {
    this.#metrics.addMetric(name, MetricUnit.Milliseconds, ms);
  }
}
