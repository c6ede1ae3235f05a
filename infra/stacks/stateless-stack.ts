import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type BrokerEnvironmentConfig, liveSigningKeys } from '../config.js';
import { BrokerFunction } from '../constructs/broker-function.js';
import { Monitoring } from '../constructs/monitoring.js';
import type { SigningKey } from '../constructs/signing-keys.js';
import { TokenApi } from '../constructs/token-api.js';

export interface StatelessStackProps extends StackProps {
  readonly config: BrokerEnvironmentConfig;
  readonly signingKeys: readonly SigningKey[];
  readonly table: dynamodb.ITableV2;
  readonly secret: secretsmanager.ISecret;
  readonly dataKey: kms.IKey;
}

/** The token Lambda, the private API in front of it, and its dashboard and alarms. */
export class StatelessStack extends Stack {
  readonly broker: BrokerFunction;
  readonly api: TokenApi;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    const live = liveSigningKeys(config);
    const keyFor = (name: string): kms.IKey => {
      const found = props.signingKeys.find((signingKey) => signingKey.config.name === name);
      if (!found) throw new Error(`Signing key "${name}" is not in the stateful stack`);
      return found.key;
    };

    this.broker = new BrokerFunction(this, 'Token', {
      config,
      activeSigningKey: keyFor(live.active.name),
      nextSigningKey: live.next ? keyFor(live.next.name) : undefined,
      table: props.table,
      secret: props.secret,
      dataKey: props.dataKey,
    });
    this.api = new TokenApi(this, 'Api', { config, handler: this.broker.function });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      function: this.broker.function,
      stage: this.api.api.deploymentStage,
    });

    new CfnOutput(this, 'ApiId', { value: this.api.api.restApiId });
    new CfnOutput(this, 'InvokeArnAllRoutes', {
      description:
        'execute-api:Invoke ARN for every route; narrow to .../<stage>/<METHOD>/v1/<path>',
      value: this.api.api.arnForExecuteApi('*', '/*', this.api.api.deploymentStage.stageName),
    });
    this.api.invokeUrls(config.network.executeApiVpcEndpointIds).forEach((url, index) => {
      new CfnOutput(this, `InvokeUrl${index + 1}`, {
        description: `Base URL through ${config.network.executeApiVpcEndpointIds[index]} (VPC ${config.network.vpcId})`,
        value: url,
      });
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: config.names.dashboard });
  }
}
