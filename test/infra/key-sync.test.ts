import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config.js';
import { LAMBDA_VPC_ACTIONS } from '../../infra/constructs/vpc-placement.js';
import { decide } from '../../shared/domain/caller-policy.js';
import { parsePolicy } from '../../shared/domain/policy-document.js';
import { parseTokenRequest } from '../../shared/domain/token-request.js';
import {
  asList,
  functionRoleStatements,
  idOfResource,
  type Json,
  keyByAlias,
  keySyncFunction,
  resourcesOf,
  rotating,
  SYNTH_TIMEOUT_MS,
  type Synth,
  statefulTarget,
  synth,
} from '../support/cdk-synth.js';

// Issue 14 §2's done-when in CDK: the scheduled sync, its role (the admin scope's token through
// the broker, GetPublicKey and DescribeKey, the configuration secret; never kms:Sign), and its
// alarms. The function's behaviour is tested in test/integration/keys/key-sync-function.test.ts.

const synths = {} as Record<'test' | 'prod' | 'rotating', Synth>;
beforeAll(() => {
  synths.test = synth('test');
  synths.prod = synth('prod');
  synths.rotating = synth('test', rotating);
}, SYNTH_TIMEOUT_MS);

const output = (stack: string, name: string) => ({
  'Fn::GetStackOutput': { StackName: stack, Region: 'eu-north-1', OutputName: name },
});

describe.each(['test', 'prod'] as const)('%s key sync', (env) => {
  const config = ENVIRONMENTS[env];
  const s = () => synths[env];
  const stateful = `MaskinportenBroker-${env}-stateful`;
  const role = `arn:aws:iam::${config.account}:role/maskinporten-broker-${env}-key-sync`;
  const idOf = (resource: Json) => idOfResource(s().stateless, resource);

  it('runs every hour from an EventBridge rule, once, without retries', () => {
    const fn = keySyncFunction(s());
    // The canary has the other rule (test/infra/canary.test.ts).
    const rules = resourcesOf(s().stateless, 'AWS::Events::Rule').filter(
      ([, rule]) => rule.Properties.Name === `maskinporten-broker-${env}-key-sync`,
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, Json];
    expect(rule.Properties).toMatchObject({
      Name: `maskinporten-broker-${env}-key-sync`,
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [idOf(fn), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        },
      ],
    });
    const permissions = resourcesOf(s().stateless, 'AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes(idOf(fn)),
    );
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [idOf(fn), 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [rules[0]?.[0], 'Arn'] },
      },
    ]);
    const [, invokeConfig] = resourcesOf(s().stateless, 'AWS::Lambda::EventInvokeConfig').find(
      ([, c]) => c.Properties.FunctionName.Ref === idOf(fn),
    ) as [string, Json];
    expect(invokeConfig.Properties).toMatchObject({
      FunctionName: { Ref: idOf(fn) },
      MaximumRetryAttempts: 0,
    });
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('runs in the configured subnets and security groups, Node 24 on ARM, JSON logs with retention', () => {
    const fn = keySyncFunction(s());
    expect(fn.Properties).toMatchObject({
      FunctionName: config.names.keySyncFunction,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 60,
      VpcConfig: {
        SubnetIds: [...config.keySync.subnetIds],
        SecurityGroupIds: [...config.keySync.securityGroupIds],
      },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: config.logLevel },
    });
    const logGroup = s().stateless.toJSON().Resources[fn.Properties.LoggingConfig.LogGroup.Ref];
    expect(logGroup.Properties.RetentionInDays).toBe(config.logRetentionDays);
  });

  it('gets the broker’s keys, Digdir’s base, the broker’s URL and the secret from its environment', () => {
    const vars = keySyncFunction(s()).Properties.Environment.Variables;
    const apiId = Object.keys(s().stateless.findResources('AWS::ApiGateway::RestApi'))[0];
    expect(vars).toMatchObject({
      SIGNING_KEY: { 'Fn::Join': ['', ['kms:', output(stateful, 'SigningKeyArnk2026a')]] },
      SIGNING_KEYS_RETIRED: '[]',
      MASKINPORTEN_ADMIN_URL: config.maskinportenAdminUrl,
      BROKER_CONFIG_SECRET: config.names.secret,
      BROKER_ENVIRONMENT: env,
      KEY_EXPIRY_WARNING_DAYS: String(config.keySync.expiryWarningDays),
      POWERTOOLS_METRICS_NAMESPACE: 'MaskinportenBroker',
    });
    expect(vars.SIGNING_KEY_NEXT).toBeUndefined();
    // Through the first execute-api VPC endpoint: the private API's only way in.
    const url = JSON.stringify(vars.BROKER_URL);
    expect(url).toContain(`-${config.network.executeApiVpcEndpointIds[0]}.execute-api.`);
    expect(url).toContain(`{"Ref":"${apiId}"}`);
    expect(config.maskinportenAdminUrl).toBe(
      env === 'test'
        ? 'https://api.test.samarbeid.digdir.no/api/v1/'
        : 'https://api.samarbeid.digdir.no/api/v1/',
    );
  });

  it('has a role that cannot sign: exactly these statements, no managed or inline policies', () => {
    const statements = functionRoleStatements(s(), keySyncFunction(s()));
    const region = config.region;
    const secretArn = `arn:aws:secretsmanager:${region}:${config.account}:secret:${config.names.secret}-??????`;
    const apiId = Object.keys(s().stateless.findResources('AWS::ApiGateway::RestApi'))[0];
    const stage = Object.keys(s().stateless.findResources('AWS::ApiGateway::Stage'))[0];
    const logGroup = keySyncFunction(s()).Properties.LoggingConfig.LogGroup.Ref;
    expect(statements).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
      },
      {
        Sid: 'ReadSigningPublicKeys',
        Effect: 'Allow',
        Action: 'kms:GetPublicKey',
        Resource: output(stateful, 'SigningKeyArnk2026a'),
      },
      {
        Sid: 'ReadSigningKeyState',
        Effect: 'Allow',
        Action: 'kms:DescribeKey',
        Resource: output(stateful, 'SigningKeyArnk2026a'),
      },
      {
        Sid: 'ReadConfigSecret',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: secretArn,
      },
      {
        Sid: 'ConfigSecretKeyViaSecretsManager',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: output(stateful, 'DataKeyArn'),
        Condition: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:SecretARN': secretArn },
        },
      },
      {
        Sid: 'AdminTokenFromBroker',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: {
          'Fn::Join': [
            '',
            [
              `arn:aws:execute-api:${region}:${config.account}:`,
              { Ref: apiId },
              '/',
              { Ref: stage },
              '/POST/v1/token',
            ],
          ],
        },
      },
      {
        Sid: 'LambdaVpcNetworkInterfaces',
        Effect: 'Allow',
        Action: LAMBDA_VPC_ACTIONS,
        Resource: '*',
      },
    ]);
    const actions = statements.flatMap((statement) => asList(statement.Action));
    expect(actions).not.toContain('kms:Sign');
    expect(actions.filter((action) => /^kms:|\*/.test(action))).toEqual([
      'kms:GetPublicKey',
      'kms:DescribeKey',
      'kms:Decrypt',
    ]);
    // And the keys themselves deny Sign to everyone but the broker and ops.
    for (const [, key] of resourcesOf(s().stateful, 'AWS::KMS::Key')) {
      const deny = key.Properties.KeyPolicy.Statement.find(
        (st: Json) => st.Sid === 'DenySignUnlessBrokerOrOps',
      );
      if (deny) expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).not.toContain(role);
    }
  });

  it('is named in the deployed caller policy with exactly the admin scope, as a vendor token', () => {
    const [, parameter] = resourcesOf(s().stateless, 'AWS::SSM::Parameter')[0] as [string, Json];
    const document = JSON.parse(parameter.Properties.Value);
    expect(document.rules.find((rule: Json) => rule.name === 'infra:key-sync')).toEqual({
      name: 'infra:key-sync',
      callers: [role],
      scopes: ['idporten:dcr.write'],
      orgs: [],
      vendorTokens: true,
    });
    const policy = parsePolicy(document, 'ssm');
    const caller = { id: role, source: 'iam' as const };
    const ask = (body: Record<string, unknown>) =>
      decide(policy, caller, { kind: 'token', request: parseTokenRequest(body) }).allowed;
    expect(ask({ scope: 'idporten:dcr.write' })).toBe(true);
    expect(ask({ scope: 'idporten:dcr.read' })).toBe(false);
    expect(ask({ scope: 'idporten:dcr.write', org: '910753614' })).toBe(false);
    expect(ask({ scope: 'idporten:dcr.write', skipCache: true })).toBe(false);
    expect(ask({ scope: 'krr:global/kontaktinformasjon.read' })).toBe(false);
  });

  it('files four tickets, never a page: failing runs, no runs, the key’s age, Digdir’s exp', () => {
    const alarms = new Map(
      resourcesOf(s().stateless, 'AWS::CloudWatch::Alarm').map(([, a]) => [
        a.Properties.AlarmName,
        a.Properties,
      ]),
    );
    const name = (short: string) => `maskinporten-broker-${env}-${short}`;
    const tickets = Object.keys(s().stateless.findResources('AWS::SNS::Topic')).find((id) =>
      id.includes('Tickets'),
    );
    const dimensions = [
      { Name: 'environment', Value: env },
      { Name: 'service', Value: 'maskinporten-broker' },
    ];
    expect(alarms.get(name('key-sync-failing'))).toMatchObject({
      Namespace: 'MaskinportenBroker',
      MetricName: 'KeySyncFailures',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const notRunning = alarms.get(name('key-sync-not-running'));
    expect(notRunning).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(notRunning.Metrics[0].Expression).toBe('FILL(i, 0) - FILL(e, 0)');
    expect(notRunning.Metrics.slice(1).map((m: Json) => m.MetricStat.Metric.MetricName)).toEqual([
      'Invocations',
      'Errors',
    ]);
    expect(alarms.get(name('active-key-age'))).toMatchObject({
      MetricName: 'ActiveKeyAgeDays',
      Dimensions: dimensions,
      Statistic: 'Maximum',
      Threshold: config.keySync.maxActiveKeyAgeDays,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarms.get(name('active-key-expiry'))).toMatchObject({
      MetricName: 'ActiveKeyExpiresInDays',
      Dimensions: dimensions,
      Statistic: 'Minimum',
      Threshold: config.keySync.expiryWarningDays,
      ComparisonOperator: 'LessThanOrEqualToThreshold',
    });
    const keySyncAlarms = [
      'key-sync-failing',
      'key-sync-not-running',
      'active-key-age',
      'active-key-expiry',
    ].map(name);
    for (const alarmName of keySyncAlarms) {
      const alarm = alarms.get(alarmName);
      expect(alarm.AlarmActions, alarmName).toEqual([{ Ref: tickets }]);
      expect(alarm.OKActions, alarmName).toEqual([{ Ref: tickets }]);
    }
    const composite = resourcesOf(s().stateless, 'AWS::CloudWatch::CompositeAlarm')[0]?.[1];
    for (const id of Object.keys(s().stateless.findResources('AWS::CloudWatch::Alarm'))) {
      if (id.startsWith('KeySync')) expect(JSON.stringify(composite)).not.toContain(id);
    }
    // CloudWatch may publish to the ticket topic for these alarms (the topic policy names them).
    const topicPolicy = resourcesOf(s().stateless, 'AWS::SNS::TopicPolicy').find(([, p]) =>
      JSON.stringify(p.Properties.Topics).includes(tickets as string),
    )?.[1];
    const publish = topicPolicy.Properties.PolicyDocument.Statement.find(
      (st: Json) => st.Sid === 'CloudWatchAlarmsPublish',
    );
    for (const alarmName of keySyncAlarms) {
      expect(publish.Condition.ArnLike['aws:SourceArn']).toContain(
        `arn:aws:cloudwatch:${config.region}:${config.account}:alarm:${alarmName}`,
      );
    }
  });
});

describe('key sync during a rotation', () => {
  it('reads both live keys, and only the state of the retired one, whose kid it may remove', () => {
    const s = synths.rotating;
    const key = (name: string) => keyByAlias(s.stateful, `alias/maskinporten-broker/test/${name}`);
    const statements = functionRoleStatements(s, keySyncFunction(s));
    const targets = (sid: string) =>
      asList(statements.find((st) => st.Sid === sid)?.Resource)
        .map((resource) => statefulTarget(s, resource))
        .sort();
    expect(targets('ReadSigningPublicKeys')).toEqual([key('k2026a'), key('k2026b')].sort());
    expect(targets('ReadSigningKeyState')).toEqual(
      [key('k2025a'), key('k2026a'), key('k2026b')].sort(),
    );
    const vars = keySyncFunction(s).Properties.Environment.Variables;
    expect(statefulTarget(s, vars.SIGNING_KEY_NEXT['Fn::Join'][1][1])).toBe(key('k2026b'));
    const retired = vars.SIGNING_KEYS_RETIRED['Fn::Join'][1];
    expect(retired[0]).toBe('[{"kid":"broker-test-2025a","keyId":"');
    expect(statefulTarget(s, retired[1])).toBe(key('k2025a'));
  });
});
