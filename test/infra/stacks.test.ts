import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBrokerApp } from '../../infra/broker-app.js';
import { ENVIRONMENTS } from '../../infra/config.js';
import { SECRET_PLACEHOLDER } from '../../infra/constructs/broker-config-secret.js';
import { ROUTES } from '../../infra/constructs/token-api.js';
import { BROKER_METRIC_NAMES, METRIC_NAMESPACE } from '../../infra/metric-names.js';
import { MIN_BOOTSTRAP_VERSION } from '../../infra/ops/preflight-checks.js';
import { ENV } from '../../shared/config/env-names.js';
import {
  asList,
  brokerFunction,
  cdkJson,
  functionRoleStatements,
  type Json,
  keyByAlias,
  logicalIdOf,
  resourcesOf,
  rotating,
  SYNTH_TIMEOUT_MS,
  type Synth,
  statefulTarget,
  synth,
} from '../support/cdk-synth.js';

const synths = {} as Record<'test' | 'prod' | 'rotating', Synth>;
beforeAll(() => {
  synths.test = synth('test');
  synths.prod = synth('prod');
  synths.rotating = synth('test', rotating);
}, SYNTH_TIMEOUT_MS);

describe.each(['test', 'prod'] as const)('%s environment', (env) => {
  const config = ENVIRONMENTS[env];
  const s = () => synths[env];

  it('synthesizes with zero unacknowledged cdk-nag AwsSolutions findings', () => {
    expect(s().synthError).toBeUndefined();
    expect(s().built.stateful.stackName).toBe(`MaskinportenBroker-${env}-stateful`);
    expect(s().built.stateless.stackName).toBe(`MaskinportenBroker-${env}-stateless`);
    expect(s().built.stateful.account).toBe(config.account);
    expect(s().built.stateless.region).toBe(config.region);
  });

  describe('stateful stack', () => {
    it('has a retained RSA_2048 SIGN_VERIFY signing key with its alias', () => {
      const t = s().stateful;
      t.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
        // Retained on update and delete, but a failed first create leaves nothing that blocks a retry.
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
      const keyId = logicalIdOf(t, 'AWS::KMS::Key', { KeyUsage: 'SIGN_VERIFY' });
      t.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: `alias/maskinporten-broker/${env}/k2026a`,
        TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    });

    it('encrypts an on-demand table (pk, TTL on ttl) with a rotating customer-managed key', () => {
      const t = s().stateful;
      const dataKey = keyByAlias(t, `alias/maskinporten-broker/${env}/data`);
      expect(t.toJSON().Resources[dataKey]).toMatchObject({
        Properties: { EnableKeyRotation: true },
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
      expect(t.toJSON().Resources[dataKey].Properties.KeySpec).toBeUndefined();
      t.hasResource('AWS::DynamoDB::GlobalTable', {
        Properties: Match.objectLike({
          TableName: config.names.table,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
          Replicas: [
            Match.objectLike({
              Region: config.region,
              SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [dataKey, 'Arn'] } },
              DeletionProtectionEnabled: config.tableDeletionProtection,
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
            }),
          ],
        }),
        // The test environment's cache may go with its stack; prod's survives both.
        DeletionPolicy: env === 'prod' ? 'RetainExceptOnCreate' : 'Delete',
        UpdateReplacePolicy: env === 'prod' ? 'Retain' : 'Delete',
      });
      expect(config.tableRemoval).toBe(env === 'prod' ? 'retain' : 'destroy');
    });

    it('creates the config secret with the placeholder only, encrypted with the data key', () => {
      const t = s().stateful;
      const dataKey = keyByAlias(t, `alias/maskinporten-broker/${env}/data`);
      t.hasResource('AWS::SecretsManager::Secret', {
        Properties: Match.objectLike({
          Name: config.names.secret,
          KmsKeyId: { 'Fn::GetAtt': [dataKey, 'Arn'] },
          SecretString: JSON.stringify(SECRET_PLACEHOLDER),
        }),
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
      expect(SECRET_PLACEHOLDER).toEqual({ clientId: '', policy: {} });
      t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    });
  });

  describe('stateless stack', () => {
    it('runs the bundled token Lambda on Node 24, ARM64, JSON logs, no X-Ray, with the env contract', () => {
      const t = s().stateless;
      const fn = brokerFunction(s());
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 10,
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' },
      });
      expect(fn.Properties.TracingConfig).toBeUndefined();
      const vars = fn.Properties.Environment.Variables;
      expect(Object.keys(vars).sort()).toEqual(
        [
          ENV.issuer,
          ENV.altinnPlatform,
          ENV.signingKey,
          ENV.tokenCacheTable,
          ENV.tokenCacheKmsKey,
          ENV.configSecret,
          ENV.policyParameter,
          ENV.apiId,
          ENV.apiStage,
          ENV.vpcEndpointIds,
          ENV.environment,
          ENV.deadlineMs,
          'POWERTOOLS_SERVICE_NAME',
          'POWERTOOLS_METRICS_NAMESPACE',
          'POWERTOOLS_LOG_LEVEL',
          'NODE_OPTIONS',
        ].sort(),
      );
      expect(vars).toMatchObject({
        MASKINPORTEN_ISSUER: config.maskinportenIssuer,
        ALTINN_PLATFORM_URL: config.altinnPlatformUrl,
        BROKER_ENVIRONMENT: env,
        // Names from config, not references: a rename changes this template, so it reaches the function.
        TOKEN_CACHE_TABLE: config.names.table,
        BROKER_CONFIG_SECRET: config.names.secret,
        BROKER_POLICY_PARAMETER: config.names.policyParameter,
        BROKER_API_STAGE: env,
        BROKER_VPC_ENDPOINT_IDS: config.network.executeApiVpcEndpointIds.join(','),
        BROKER_DEADLINE_MS: '6000',
        POWERTOOLS_SERVICE_NAME: 'maskinporten-broker',
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(vars.BROKER_API_ID).toEqual({ Ref: logicalIdOf(t, 'AWS::ApiGateway::RestApi') });
      const [prefix, arn] = vars.SIGNING_KEY['Fn::Join'][1];
      expect(prefix).toBe('kms:');
      const signingKey = logicalIdOf(s().stateful, 'AWS::KMS::Key', { KeyUsage: 'SIGN_VERIFY' });
      expect(statefulTarget(s(), arn)).toBe(signingKey);
      expect(statefulTarget(s(), vars.TOKEN_CACHE_KMS_KEY)).toBe(
        keyByAlias(s().stateful, `alias/maskinporten-broker/${env}/token-seal`),
      );
      const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref;
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: config.logRetentionDays },
        DeletionPolicy: 'Retain',
      });
      expect(t.toJSON().Resources[logGroup].Properties.RetentionInDays).toBe(
        config.logRetentionDays,
      );
    });

    it('is a PRIVATE REST API on the configured VPC endpoints, denying any other source', () => {
      const arns = config.callerAccountIds.map((account) => `arn:aws:iam::${account}:root`);
      const callerPrincipals = arns.length === 1 ? arns[0] : arns;
      s().stateless.hasResourceProperties('AWS::ApiGateway::RestApi', {
        EndpointConfiguration: {
          Types: ['PRIVATE'],
          VpcEndpointIds: [...config.network.executeApiVpcEndpointIds],
        },
        Policy: {
          Statement: [
            {
              Sid: 'DenyUnlessThroughOurVpcEndpoints',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'execute-api:Invoke',
              Resource: 'execute-api:/*',
              Condition: {
                StringNotEquals: { 'aws:SourceVpce': [...config.network.executeApiVpcEndpointIds] },
              },
            },
            {
              Sid: 'AllowCallerAccounts',
              Effect: 'Allow',
              Principal: { AWS: callerPrincipals },
              Action: 'execute-api:Invoke',
              Resource: 'execute-api:/*',
            },
            {
              // The callers infra names (the key sync, the canary, the ops role for npm run
              // smoke): each on the routes it uses only.
              Sid: 'AllowInfraCallersToken',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${config.account}:root` },
              Action: 'execute-api:Invoke',
              Resource: `execute-api:/${env}/POST/v1/token`,
              Condition: {
                ArnEquals: {
                  'aws:PrincipalArn': [
                    `arn:aws:iam::${config.account}:role/maskinporten-broker-${env}-key-sync`,
                    `arn:aws:iam::${config.account}:role/maskinporten-broker-${env}-canary`,
                    config.access.opsRoleArn,
                  ],
                },
              },
            },
            {
              Sid: 'AllowInfraCallersHealth',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${config.account}:root` },
              Action: 'execute-api:Invoke',
              Resource: `execute-api:/${env}/GET/v1/health`,
              Condition: {
                ArnEquals: {
                  'aws:PrincipalArn': [
                    `arn:aws:iam::${config.account}:role/maskinporten-broker-${env}-canary`,
                    config.access.opsRoleArn,
                  ],
                },
              },
            },
          ],
        },
      });
    });

    it('serves exactly the contract routes, every method AWS_IAM, POST bodies validated', () => {
      const t = s().stateless;
      const resources: Record<string, Json> = t.findResources('AWS::ApiGateway::Resource');
      const pathOf = (parent: Json): string => {
        const id = parent?.Ref;
        if (!id) return '';
        const resource = resources[id];
        return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
      };
      const validator = logicalIdOf(t, 'AWS::ApiGateway::RequestValidator', {
        ValidateRequestBody: true,
      });
      const model = logicalIdOf(t, 'AWS::ApiGateway::Model', {
        ContentType: 'application/json',
      });
      const methods = resourcesOf(t, 'AWS::ApiGateway::Method').map(([, { Properties: p }]) => {
        expect(p.AuthorizationType).toBe('AWS_IAM');
        expect(p.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
        if (p.HttpMethod === 'POST') {
          expect(p.RequestValidatorId).toEqual({ Ref: validator });
          expect(p.RequestModels).toEqual({ 'application/json': { Ref: model } });
        }
        return `${p.HttpMethod} ${pathOf(p.ResourceId)}`;
      });
      expect(methods.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
      const schema = t.toJSON().Resources[model].Properties.Schema;
      expect(schema).toMatchObject({ type: 'object', maxProperties: 16 });
    });

    it('logs access as JSON, logs execution errors only, throttles the stage, no X-Ray', () => {
      const t = s().stateless;
      const [, stage] = resourcesOf(t, 'AWS::ApiGateway::Stage')[0] as [string, Json];
      const p = stage.Properties;
      expect(p.StageName).toBe(env);
      expect(p.TracingEnabled).toBe(false);
      expect(p.MethodSettings).toEqual([
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: false,
          ThrottlingRateLimit: config.api.throttlingRateLimit,
          ThrottlingBurstLimit: config.api.throttlingBurstLimit,
        },
      ]);
      const format = JSON.parse(p.AccessLogSetting.Format);
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
        userArn: '$context.identity.userArn',
        vpceId: '$context.identity.vpceId',
      });
      expect(JSON.stringify(p.AccessLogSetting.DestinationArn)).toContain('ApiAccessLogs');
      t.resourceCountIs('AWS::ApiGateway::Account', config.api.createCloudWatchRole ? 1 : 0);
    });

    it('answers gateway errors in the broker shape {error, error_description}', () => {
      for (const [, response] of resourcesOf(s().stateless, 'AWS::ApiGateway::GatewayResponse')) {
        const body = JSON.parse(
          response.Properties.ResponseTemplates['application/json'].replace(
            '$context.error.messageString',
            '"message"',
          ),
        );
        expect(Object.keys(body)).toEqual(['error', 'error_description']);
      }
    });

    it('charts every EMF metric with exactly {service, environment} on the dashboard', () => {
      const [, dashboard] = resourcesOf(s().stateless, 'AWS::CloudWatch::Dashboard')[0] as [
        string,
        Json,
      ];
      const body = dashboard.Properties.DashboardBody['Fn::Join'][1]
        .filter((part: Json) => typeof part === 'string')
        .join('');
      for (const name of BROKER_METRIC_NAMES) {
        expect(body).toContain(
          `["${METRIC_NAMESPACE}","${name}","environment","${env}","service","maskinporten-broker",`,
        );
      }
      const emfEntries = body.match(/\["MaskinportenBroker","\w+",[^{]*\{/g) ?? [];
      for (const entry of emfEntries) {
        expect(entry).toMatch(
          new RegExp(
            `^\\["MaskinportenBroker","\\w+","environment","${env}","service","maskinporten-broker",\\{$`,
          ),
        );
      }
      expect(body).toContain('IF(');
      expect(body).toContain('FILL(hm, 0)');
      expect(body).toContain('"AWS/Lambda","Duration"');
      expect(body).toContain('"AWS/ApiGateway","5XXError"');
    });

    it('alarms on Maskinporten errors, 5xx, throttles and a falling hit ratio to encrypted topics', () => {
      const t = s().stateless;
      const topics = resourcesOf(t, 'AWS::SNS::Topic');
      expect(topics).toHaveLength(2);
      for (const [, topic] of topics) expect(topic.Properties.KmsMasterKeyId).toBeDefined();
      const topicFor = (endpoint: string | undefined) =>
        resourcesOf(t, 'AWS::SNS::Subscription').find(
          ([, sub]) => sub.Properties.Endpoint === endpoint,
        )?.[1].Properties.TopicArn.Ref;
      const paging = topicFor(config.alarms.email);
      const tickets = topicFor(config.alarms.ticketEmail);
      expect(paging).toBeDefined();
      expect(tickets).toBeDefined();
      expect(paging).not.toBe(tickets);
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: config.alarms.email,
        TopicArn: { Ref: paging },
      });
      const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const names = alarms.map((a) => a.AlarmName);
      for (const kept of [
        'api-5xx',
        'cache-hit-ratio-low',
        'lambda-errors',
        'lambda-throttles',
        'maskinporten-failures',
        'maskinporten-grant-rejected',
      ]) {
        expect(names).toContain(`maskinporten-broker-${env}-${kept}`);
      }
      for (const alarm of alarms) {
        // Only "the key sync has not run" and the canary count silence as bad
        // (test/infra/key-sync.test.ts, test/infra/canary.test.ts).
        const silenceIsBad = /-(key-sync-not-running|canary-failing)$/.test(alarm.AlarmName);
        expect(alarm.TreatMissingData).toBe(silenceIsBad ? 'breaching' : 'notBreaching');
        // An alarm either feeds the paging composite (no actions of its own) or files a ticket.
        expect([[], [{ Ref: tickets }]]).toContainEqual(alarm.AlarmActions ?? []);
        const emf = [
          ...(alarm.Namespace === METRIC_NAMESPACE ? [alarm] : []),
          ...(alarm.Metrics ?? [])
            .map((m: Json) => m.MetricStat?.Metric)
            .filter((m: Json) => m?.Namespace === METRIC_NAMESPACE),
        ];
        for (const metric of emf) {
          expect(metric.Dimensions).toEqual([
            { Name: 'environment', Value: env },
            { Name: 'service', Value: 'maskinporten-broker' },
          ]);
        }
      }
      const ratio = alarms.find((a) => a.AlarmName.endsWith('cache-hit-ratio-low'));
      expect(ratio.ComparisonOperator).toBe('LessThanThreshold');
      expect(ratio.Metrics[0].Expression).toMatch(/^IF\(.*>= 20, 100 \* /);
    });
  });

  describe('least privilege of the function role', () => {
    it('has no service wildcards, no wildcard resource and no X-Ray permission', () => {
      for (const statement of functionRoleStatements(s())) {
        const actions = asList(statement.Action);
        for (const action of actions) {
          expect(action).not.toMatch(/^(\*|[a-z-]+:\*)$/);
          expect(action).not.toMatch(/^(kms|dynamodb|secretsmanager|ssm):.*\*/);
          expect(action).not.toMatch(/^xray:/);
        }
        expect(asList(statement.Resource)).not.toContain('*');
        for (const resource of asList(statement.Resource)) {
          expect(JSON.stringify(resource)).not.toMatch(/"\*"|:\*"/);
        }
        expect(statement.Effect).toBe('Allow');
      }
    });

    it('grants exactly Get/Put/UpdateItem on the table and GetSecretValue on the secret', () => {
      const statements = functionRoleStatements(s());
      const onService = (prefix: string) =>
        statements.filter((st) => asList(st.Action).some((a: string) => a.startsWith(prefix)));
      const table = onService('dynamodb:');
      expect(table).toHaveLength(1);
      expect(asList(table[0].Action).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
      expect(table[0].Resource).toBe(
        `arn:aws:dynamodb:${config.region}:${config.account}:table/${config.names.table}`,
      );
      const secret = onService('secretsmanager:');
      expect(secret).toHaveLength(1);
      expect(secret[0].Action).toBe('secretsmanager:GetSecretValue');
      // The secret's ARN ends in six random characters; the name comes from config.
      expect(secret[0].Resource).toBe(
        `arn:aws:secretsmanager:${config.region}:${config.account}:secret:${config.names.secret}-??????`,
      );
      const parameter = onService('ssm:');
      expect(parameter).toEqual([
        {
          Sid: 'ReadCallerPolicy',
          Effect: 'Allow',
          Action: 'ssm:GetParameter',
          Resource: `arn:aws:ssm:${config.region}:${config.account}:parameter${config.names.policyParameter}`,
        },
      ]);
    });

    it('uses signing keys only for Sign (RS256 digest) and GetPublicKey, the data key only via services, the seal key only in its context', () => {
      const stateful = s().stateful.toJSON().Resources;
      const kmsStatements = functionRoleStatements(s()).filter((st) =>
        asList(st.Action).some((a: string) => a.startsWith('kms:')),
      );
      expect(kmsStatements.length).toBeGreaterThan(0);
      for (const statement of kmsStatements) {
        const targets = asList(statement.Resource).map((r) => statefulTarget(s(), r));
        const usages = targets.map((id) => stateful[id as string]?.Properties.KeyUsage);
        expect(usages.every((u) => u === usages[0])).toBe(true);
        if (usages[0] === 'SIGN_VERIFY') {
          expect(['kms:Sign', 'kms:GetPublicKey']).toContain(statement.Action);
          if (statement.Action === 'kms:Sign') {
            expect(statement.Condition).toEqual({
              StringEquals: {
                'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_SHA_256',
                'kms:MessageType': 'DIGEST',
              },
            });
          }
        } else if (statement.Sid === 'SealCachedTokens') {
          expect(targets).toEqual([
            keyByAlias(s().stateful, `alias/maskinporten-broker/${env}/token-seal`),
          ]);
          expect(asList(statement.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
          expect(statement.Condition).toEqual({
            StringEquals: {
              'kms:EncryptionContext:purpose': 'maskinporten-broker/token-cache',
              'kms:EncryptionContext:table': config.names.table,
            },
          });
        } else {
          expect(usages[0]).toBeUndefined(); // symmetric data key (default usage)
          expect(targets).toEqual([
            keyByAlias(s().stateful, `alias/maskinporten-broker/${env}/data`),
          ]);
          expect(statement.Condition.StringEquals['kms:ViaService']).toMatch(
            new RegExp(`^(dynamodb|secretsmanager)\\.${config.region}\\.amazonaws\\.com$`),
          );
          expect(asList(statement.Action)).not.toContain('kms:Sign');
        }
      }
    });
  });

  it('acknowledges cdk-nag findings narrowly, each with a reviewable reason', () => {
    const acknowledgements = collectAcknowledgements(s().app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    const allowed = [
      /^AwsSolutions::AwsSolutions-SMG4$/,
      /^AwsSolutions::AwsSolutions-COG4$/,
      /^AwsSolutions::AwsSolutions-APIG3$/,
      /^AwsSolutions::AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AmazonAPIGatewayPushToCloudWatchLogs\]$/,
      /^AwsSolutions::AwsSolutions-IAM5\[Resource::\*\]$/,
    ];
    for (const { path, id, reason, scope } of acknowledgements) {
      // A wildcard resource only for the ENI actions of the functions in a VPC (the key sync's and
      // the canary's, test/infra/key-sync.test.ts and canary.test.ts).
      if (id.includes('IAM5')) expect(path).toMatch(/\/(KeySync|Canary)\/Role$/);
      expect(
        allowed.some((pattern) => pattern.test(id)),
        `${id} at ${path}`,
      ).toBe(true);
      expect(Stack.isStack(scope) || scope.node.scope === undefined, path).toBe(false);
      expect(reason.length, `${id} at ${path}`).toBeGreaterThanOrEqual(100);
      expect(reason).not.toMatch(/TODO|TBD|fixme/i);
    }
  });
});

function collectAcknowledgements(app: App) {
  return app.node.findAll().flatMap((scope: IConstruct) =>
    scope.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: scope.node.path,
          id,
          reason,
          scope,
        })),
      ),
  );
}

describe('key rotation', () => {
  it('passes the next key as SIGNING_KEY_NEXT and never grants a retired key', () => {
    const s = synths.rotating;
    expect(s.synthError).toBeUndefined();
    const keyByName = (name: string) =>
      keyByAlias(s.stateful, `alias/maskinporten-broker/test/${name}`);
    s.stateful.resourceCountIs('AWS::KMS::Key', 5);
    const vars = brokerFunction(s).Properties.Environment.Variables;
    expect(statefulTarget(s, vars.SIGNING_KEY['Fn::Join'][1][1])).toBe(keyByName('k2026a'));
    expect(statefulTarget(s, vars.SIGNING_KEY_NEXT['Fn::Join'][1][1])).toBe(keyByName('k2026b'));
    for (const action of ['kms:Sign', 'kms:GetPublicKey']) {
      const statement = functionRoleStatements(s).find((st) => st.Action === action);
      expect(
        asList(statement.Resource)
          .map((r) => statefulTarget(s, r))
          .sort(),
      ).toEqual([keyByName('k2026a'), keyByName('k2026b')].sort());
    }
    // Only the key sync names the retired key: to read its state (test/infra/key-sync.test.ts).
    const resources = s.stateless.toJSON().Resources as Record<string, Json>;
    const mentions = Object.entries(resources)
      .filter(([, resource]) => JSON.stringify(resource).includes('SigningKeyArnk2025a'))
      .map(([id]) => id);
    expect(mentions).toHaveLength(2);
    for (const id of mentions) expect(id).toMatch(/^KeySync(Role|Function)/);
  });

  it('disables a retired key in the deploy that retires it, and keeps its output', () => {
    const s = synths.rotating;
    const resources = s.stateful.toJSON().Resources;
    const enabled = (name: string) =>
      resources[keyByAlias(s.stateful, `alias/maskinporten-broker/test/${name}`)].Properties
        .Enabled;
    expect(enabled('k2025a')).toBe(false);
    expect(enabled('k2026a')).toBe(true);
    expect(enabled('k2026b')).toBe(true);
    const outputs = s.stateful.toJSON().Outputs;
    for (const name of ['k2025a', 'k2026a', 'k2026b']) {
      expect(outputs[`SigningKeyArn${name}`].Value).toEqual({
        'Fn::GetAtt': [keyByAlias(s.stateful, `alias/maskinporten-broker/test/${name}`), 'Arn'],
      });
    }
  });
});

describe('environment selection', () => {
  it('fails with the valid environments for an unknown -c env', () => {
    const app = new App({ context: { env: 'staging', 'aws:cdk:bundling-stacks': [] } });
    expect(() => buildBrokerApp(app)).toThrow(
      'Unknown environment "staging": valid environments are test, prod',
    );
  });

  it('has preflight ask for at least the bootstrap version the stacks require', () => {
    const required = synths.prod.app
      .synth()
      .artifacts.flatMap((artifact) => {
        const properties = artifact.manifest.properties as Json;
        // The deploy role's and the lookup role's (cdk diff) minimum versions.
        return [
          properties?.requiresBootstrapStackVersion,
          properties?.lookupRole?.requiresBootstrapStackVersion,
        ];
      })
      .filter((version): version is number => typeof version === 'number');
    expect(required.length).toBeGreaterThan(0);
    expect(MIN_BOOTSTRAP_VERSION).toBeGreaterThanOrEqual(Math.max(...required));
    const rule = JSON.stringify(synths.prod.stateless.toJSON().Rules.CheckBootstrapVersion);
    expect(rule).toContain('CDK bootstrap stack version 6 required');
  });

  it('keeps the feature flags cdk init generates and runs the app with tsx', () => {
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
    expect(Object.keys(cdkJson.context).length).toBeGreaterThanOrEqual(89);
  });
});
