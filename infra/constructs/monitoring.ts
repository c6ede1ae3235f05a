import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { BrokerMetricName } from '../../shared/ports/metrics.js';
import type { BrokerEnvironmentConfig } from '../config.js';
import { reservedConcurrency } from '../sizing.js';
import { AlarmTopics } from './alarm-topics.js';
import { BrokerAlarms, brokerMetric, hitRatio } from './broker-alarms.js';

const PERIOD = Duration.minutes(5);

export interface MonitoringProps {
  readonly config: BrokerEnvironmentConfig;
  readonly function: lambda.IFunction;
  readonly stage: apigw.Stage;
}

/**
 * The environment's alarm topics, alarms and dashboard. Broker metrics are the EMF metrics the code
 * emits, always with exactly `{service, environment}`.
 */
export class Monitoring extends Construct {
  readonly topics: AlarmTopics;
  readonly alarms: BrokerAlarms;
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, function: fn, stage } = props;
    const metric = (name: BrokerMetricName, statistic: string = cw.Stats.SUM, label?: string) =>
      brokerMetric(config, name, PERIOD, statistic, label);

    this.topics = new AlarmTopics(this, 'Topics', config);
    this.alarms = new BrokerAlarms(this, 'Alarms', {
      config,
      function: fn,
      stage,
      topics: this.topics,
    });

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: config.names.dashboard,
      defaultInterval: Duration.hours(6),
    });
    const graph = (title: string, left: cw.IMetric[], right: cw.IMetric[] = []): cw.GraphWidget =>
      new cw.GraphWidget({ title, left, right, width: 12, height: 6 });
    this.dashboard.addWidgets(
      new cw.AlarmStatusWidget({
        title: 'Alarms (the composite pages; the others are tickets)',
        alarms: [this.alarms.degraded, ...this.alarms.pagingInputs, ...this.alarms.tickets],
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      graph('Requests', [
        metric('TokenRequests'),
        stage.metricCount({ period: PERIOD, statistic: cw.Stats.SUM, label: 'API requests' }),
        metric('AccessDenied'),
        metric('InvalidRequests'),
        metric('UntrustedEvents'),
        metric('RateLimited'),
        metric('PolicyRefreshFailures'),
      ]),
      graph(
        'Token cache',
        [
          metric('CacheHitMemory'),
          metric('CacheHitShared'),
          metric('CacheMiss'),
          metric('StaleServed'),
          metric('LeaseWaits'),
          metric('RefreshAhead'),
          metric('RefreshAheadFailures'),
          metric('CacheErrors'),
          metric('CacheSealFailures'),
        ],
        [hitRatio(config)],
      ),
    );
    this.dashboard.addWidgets(
      graph('Maskinporten latency and signing (ms)', [
        metric('MaskinportenLatency', cw.Stats.p(50), 'Maskinporten p50'),
        metric('MaskinportenLatency', cw.Stats.p(99), 'Maskinporten p99'),
        metric('SigningLatency', cw.Stats.p(99), 'KMS Sign p99'),
      ]),
      graph('Maskinporten calls and errors by kind', [
        metric('MaskinportenCalls'),
        metric('MaskinportenErrors'),
        metric('MaskinportenRefused'),
        metric('RefusalCacheHits'),
        metric('MaskinportenGrantRejected'),
        metric('MaskinportenUnavailable'),
        metric('MaskinportenTimeouts'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Signing: grants signed and failures by kind', [
        metric('Signatures'),
        metric('SigningThrottled'),
        metric('SigningDenied'),
        metric('SigningErrors'),
      ]),
      graph('KMS RSA requests, whole account (% of quota)', [
        new cw.MathExpression({
          label: 'RSA requests (% of L-2AC98190)',
          expression: '100 * (u / PERIOD(u)) / SERVICE_QUOTA(u)',
          usingMetrics: {
            u: new cw.Metric({
              namespace: 'AWS/Usage',
              metricName: 'CallCount',
              dimensionsMap: {
                Service: 'KMS',
                Type: 'API',
                Resource: 'CryptographicOperationsRsa',
                Class: 'None',
              },
              statistic: cw.Stats.SUM,
            }),
          },
          period: Duration.minutes(1),
        }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Lambda duration (ms)', [
        fn.metricDuration({ period: PERIOD, statistic: cw.Stats.p(50), label: 'p50' }),
        fn.metricDuration({ period: PERIOD, statistic: cw.Stats.p(99), label: 'p99' }),
        fn.metricDuration({ period: PERIOD, statistic: cw.Stats.MAXIMUM, label: 'max' }),
      ]),
      graph(
        'Lambda errors, throttles and API 4xx/5xx',
        [
          fn.metricErrors({ period: PERIOD, statistic: cw.Stats.SUM }),
          fn.metricThrottles({ period: PERIOD, statistic: cw.Stats.SUM }),
          stage.metricClientError({ period: PERIOD, statistic: cw.Stats.SUM, label: 'API 4xx' }),
          stage.metricServerError({ period: PERIOD, statistic: cw.Stats.SUM, label: 'API 5xx' }),
        ],
        [
          fn.metric('ConcurrentExecutions', {
            period: Duration.minutes(1),
            statistic: cw.Stats.MAXIMUM,
            label: `concurrency (reserved ${reservedConcurrency(config)})`,
          }),
        ],
      ),
    );
    const lifetime = (id: string, statistic: string, label: string) =>
      new cw.MathExpression({
        label,
        expression: `${id} / 1000`,
        usingMetrics: { [id]: metric('TokenLifetime', statistic) },
        period: PERIOD,
      });
    this.dashboard.addWidgets(
      graph('Token lifetime Maskinporten gives (s, expires_in)', [
        lifetime('lmin', cw.Stats.MINIMUM, 'min'),
        lifetime('lmax', cw.Stats.MAXIMUM, 'max'),
      ]),
      graph('Altinn token exchange', [metric('AltinnExchanges'), metric('AltinnErrors')]),
    );
    this.dashboard.addWidgets(
      graph('API latency (ms)', [
        stage.metricLatency({ period: PERIOD, statistic: cw.Stats.p(99), label: 'API p99' }),
        stage.metricIntegrationLatency({
          period: PERIOD,
          statistic: cw.Stats.p(99),
          label: 'integration p99',
        }),
      ]),
    );
  }
}
