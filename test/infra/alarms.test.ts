import { beforeAll, describe, expect, it } from 'vitest';
import { type BrokerEnvironmentConfig, ENVIRONMENTS } from '../../infra/config.js';
import { ALARM_THRESHOLDS } from '../../infra/constructs/broker-alarms.js';
import { reservedConcurrency } from '../../infra/sizing.js';
import {
  asList,
  type Json,
  resourcesOf,
  SYNTH_TIMEOUT_MS,
  type Synth,
  synth,
} from '../support/cdk-synth.js';

const ON_CALL_TOPIC = 'arn:aws:sns:eu-north-1:222222222222:on-call';
const withOnCallTopic: Record<string, BrokerEnvironmentConfig> = {
  prod: { ...ENVIRONMENTS.prod, alarms: { ...ENVIRONMENTS.prod.alarms, topicArn: ON_CALL_TOPIC } },
};

const synths = {} as Record<'test' | 'prod' | 'onCall', Synth>;
beforeAll(() => {
  synths.test = synth('test');
  synths.prod = synth('prod');
  synths.onCall = synth('prod', withOnCallTopic);
}, SYNTH_TIMEOUT_MS);

const PAGING_INPUTS = [
  'api-5xx',
  'lambda-errors',
  'lambda-throttles',
  'maskinporten-failures',
  'maskinporten-grant-rejected',
  'signing-failures',
];
const TICKETS = [
  'kms-rsa-quota',
  'lambda-concurrency',
  'duration-near-deadline',
  'cache-errors',
  'dynamodb-throttles',
  'cache-hit-ratio-low',
  'untrusted-events',
  'cache-seal-failures',
  'rate-limited',
  'policy-refresh-failures',
];

/** Every alarm (metric or composite) by name, with its properties. */
function alarmsByName(s: Synth): Map<string, Json> {
  const all = [
    ...resourcesOf(s.stateless, 'AWS::CloudWatch::Alarm'),
    ...resourcesOf(s.stateless, 'AWS::CloudWatch::CompositeAlarm'),
  ];
  return new Map(all.map(([, alarm]) => [alarm.Properties.AlarmName, alarm.Properties]));
}

const metricsOf = (alarm: Json): Json[] =>
  (alarm.Metrics ?? []).map((m: Json) => m.MetricStat?.Metric).filter(Boolean);
const expressionOf = (alarm: Json): string =>
  (alarm.Metrics ?? []).find((m: Json) => m.ReturnData !== false)?.Expression;

describe.each(['test', 'prod'] as const)('%s alarms', (env) => {
  const config = ENVIRONMENTS[env];
  const s = () => synths[env];
  const name = (short: string) => `maskinporten-broker-${env}-${short}`;

  it('has the paging inputs, one composite and the tickets, and nothing else', () => {
    expect([...alarmsByName(s()).keys()].sort()).toEqual(
      [...PAGING_INPUTS, 'degraded', ...TICKETS].map(name).sort(),
    );
  });

  it('pages through ONE composite alarm over the paging inputs, which notify nobody themselves', () => {
    const alarms = alarmsByName(s());
    const composites = resourcesOf(s().stateless, 'AWS::CloudWatch::CompositeAlarm');
    expect(composites).toHaveLength(1);
    const degraded = alarms.get(name('degraded'));
    const rule = JSON.stringify(degraded.AlarmRule);
    const inputs = resourcesOf(s().stateless, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
      PAGING_INPUTS.map(name).includes(alarm.Properties.AlarmName),
    );
    expect(inputs).toHaveLength(PAGING_INPUTS.length);
    for (const [id, input] of inputs) {
      expect(rule).toContain(`"Fn::GetAtt":["${id}","Arn"]`);
      expect(input.Properties.AlarmActions ?? []).toEqual([]);
      expect(input.Properties.OKActions ?? []).toEqual([]);
    }
    expect(rule.match(/ALARM\(/g)).toHaveLength(PAGING_INPUTS.length);
    expect(rule).not.toMatch(/ AND /);
    expect(degraded.AlarmActions).toHaveLength(1);
    expect(degraded.OKActions).toEqual(degraded.AlarmActions);
  });

  it('pages on 1-minute rates that breach in 3 of 5 minutes, never on absolute counts', () => {
    const alarms = alarmsByName(s());
    for (const short of PAGING_INPUTS) {
      const alarm = alarms.get(name(short));
      expect(alarm, short).toMatchObject({
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      for (const metric of alarm.Metrics.filter((m: Json) => m.MetricStat)) {
        expect(metric.MetricStat.Period, short).toBe(60);
      }
      // A rate: bad / total in percent, only above a traffic minimum.
      expect(expressionOf(alarm), short).toMatch(/^IF\(.+ >= \d+, 100 \* \(.+\) \/ \(.+\)\)$/);
      expect(alarm.Threshold).toBeLessThanOrEqual(100);
    }
  });

  it('alarms on signing failures by kind against all signing attempts', () => {
    const alarm = alarmsByName(s()).get(name('signing-failures'));
    expect(
      metricsOf(alarm)
        .map((m) => m.MetricName)
        .sort(),
    ).toEqual(['Signatures', 'SigningDenied', 'SigningErrors', 'SigningThrottled'].sort());
    expect(expressionOf(alarm)).toBe(
      'IF(FILL(s, 0) + FILL(th, 0) + FILL(d, 0) + FILL(x, 0) >= 1, 100 * (FILL(th, 0) + FILL(d, 0) + FILL(x, 0)) / (FILL(s, 0) + FILL(th, 0) + FILL(d, 0) + FILL(x, 0)))',
    );
    expect(alarm.Threshold).toBe(ALARM_THRESHOLDS.signingFailurePercent);
  });

  it('files a ticket above 70% of the account KMS RSA quota (AWS/Usage, SERVICE_QUOTA)', () => {
    const alarm = alarmsByName(s()).get(name('kms-rsa-quota'));
    expect(metricsOf(alarm)).toEqual([
      {
        Namespace: 'AWS/Usage',
        MetricName: 'CallCount',
        Dimensions: [
          { Name: 'Class', Value: 'None' },
          { Name: 'Resource', Value: 'CryptographicOperationsRsa' },
          { Name: 'Service', Value: 'KMS' },
          { Name: 'Type', Value: 'API' },
        ],
      },
    ]);
    expect(alarm.Metrics[1].MetricStat).toMatchObject({ Period: 60, Stat: 'Sum' });
    expect(expressionOf(alarm)).toBe('100 * (u / PERIOD(u)) / SERVICE_QUOTA(u)');
    expect(alarm).toMatchObject({ Threshold: 70, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
  });

  it('files tickets on cache errors, DynamoDB throttling, concurrency and duration near the deadline', () => {
    const alarms = alarmsByName(s());
    const cacheErrors = alarms.get(name('cache-errors'));
    expect(
      metricsOf(cacheErrors)
        .map((m) => m.MetricName)
        .sort(),
    ).toEqual(['CacheErrors', 'TokenRequests']);
    const throttles = alarms.get(name('dynamodb-throttles'));
    for (const metric of metricsOf(throttles)) {
      expect(metric.Namespace).toBe('AWS/DynamoDB');
      expect(metric.Dimensions).toEqual([{ Name: 'TableName', Value: config.names.table }]);
    }
    expect(
      metricsOf(throttles)
        .map((m) => m.MetricName)
        .sort(),
    ).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    const concurrency = alarms.get(name('lambda-concurrency'));
    expect(expressionOf(concurrency)).toBe(`100 * FILL(c, 0) / ${reservedConcurrency(config)}`);
    expect(metricsOf(concurrency)[0]).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'ConcurrentExecutions',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.any(String) } }],
    });
    expect(concurrency.Threshold).toBe(80);
    const duration = alarms.get(name('duration-near-deadline'));
    expect(duration).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Period: 60,
      Threshold: config.deadlineMs * 0.9,
    });
  });

  it('lets CloudWatch publish to every alarm topic, and use its key, for exactly its alarms', () => {
    const t = s().stateless.toJSON().Resources;
    const topics = resourcesOf(s().stateless, 'AWS::SNS::Topic');
    expect(topics).toHaveLength(2);
    const alarms = [
      ...resourcesOf(s().stateless, 'AWS::CloudWatch::Alarm'),
      ...resourcesOf(s().stateless, 'AWS::CloudWatch::CompositeAlarm'),
    ].map(([, alarm]) => alarm.Properties);
    for (const [topicId, topic] of topics) {
      const targeting = alarms
        .filter((alarm) => (alarm.AlarmActions ?? []).some((a: Json) => a.Ref === topicId))
        .map(
          (alarm) =>
            `arn:aws:cloudwatch:${config.region}:${config.account}:alarm:${alarm.AlarmName}`,
        );
      expect(targeting.length).toBeGreaterThan(0);
      const conditions = {
        StringEquals: { 'aws:SourceAccount': config.account },
        ArnLike: { 'aws:SourceArn': expect.arrayContaining(targeting) },
      };
      const policies = resourcesOf(s().stateless, 'AWS::SNS::TopicPolicy').filter(([, policy]) =>
        policy.Properties.Topics.some((ref: Json) => ref.Ref === topicId),
      );
      expect(policies).toHaveLength(1);
      const statements = (policies[0] as [string, Json])[1].Properties.PolicyDocument.Statement;
      const publish = statements.filter(
        (st: Json) => st.Principal?.Service === 'cloudwatch.amazonaws.com',
      );
      expect(publish).toEqual([
        {
          Sid: 'CloudWatchAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: topicId },
          Condition: conditions,
        },
      ]);
      expect(publish[0].Condition.ArnLike['aws:SourceArn']).toHaveLength(targeting.length);
      // enforceSSL's deny stays.
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
      const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
      const keyStatements = t[keyId].Properties.KeyPolicy.Statement.filter(
        (st: Json) => st.Principal?.Service === 'cloudwatch.amazonaws.com',
      );
      const forThisTopic = keyStatements.filter((st: Json) =>
        targeting.every((arn) => st.Condition?.ArnLike?.['aws:SourceArn']?.includes(arn)),
      );
      expect(forThisTopic).toHaveLength(1);
      expect(forThisTopic[0]).toMatchObject({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: conditions,
      });
      // No statement lets CloudWatch use the key without these conditions.
      for (const statement of keyStatements) {
        expect(statement.Condition.StringEquals).toEqual({ 'aws:SourceAccount': config.account });
      }
    }
  });

  it('sends every ticket to the ticket topic and the composite to the paging topic', () => {
    const alarms = alarmsByName(s());
    const subscriptions = resourcesOf(s().stateless, 'AWS::SNS::Subscription').map(
      ([, sub]) => sub.Properties,
    );
    const topicOf = (email: string | undefined) =>
      subscriptions.find((sub) => sub.Endpoint === email)?.TopicArn;
    for (const short of TICKETS) {
      expect(asList(alarms.get(name(short)).AlarmActions), short).toEqual([
        topicOf(config.alarms.ticketEmail),
      ]);
    }
    expect(alarms.get(name('degraded')).AlarmActions).toEqual([topicOf(config.alarms.email)]);
  });
});

describe('with an on-call topic configured', () => {
  it('pages it too, with the paging topic, from the composite only', () => {
    const alarms = alarmsByName(synths.onCall);
    const degraded = alarms.get('maskinporten-broker-prod-degraded');
    expect(degraded.AlarmActions).toHaveLength(2);
    expect(degraded.AlarmActions).toContain(ON_CALL_TOPIC);
    for (const [alarmName, alarm] of alarms) {
      if (alarmName.endsWith('-degraded')) continue;
      expect(JSON.stringify(alarm.AlarmActions ?? [])).not.toContain(ON_CALL_TOPIC);
    }
  });
});
