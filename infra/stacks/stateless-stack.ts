import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names.js';
import { accessPrincipals } from '../access.js';
import { loadCallerPolicyFile } from '../caller-policy-file.js';
import { type BrokerEnvironmentConfig, liveSigningKeys, retiredSigningKeys } from '../config.js';
import { BrokerFunction } from '../constructs/broker-function.js';
import { CallerPolicyParameter } from '../constructs/caller-policy-parameter.js';
import { Canary } from '../constructs/canary.js';
import { KeySync } from '../constructs/key-sync.js';
import { Monitoring } from '../constructs/monitoring.js';
import { signingKeyOutputName } from '../constructs/signing-keys.js';
import { TokenApi } from '../constructs/token-api.js';
import { STATEFUL_OUTPUTS } from './stateful-stack.js';

export interface StatelessStackProps extends StackProps {
  readonly config: BrokerEnvironmentConfig;
  /** The stateful stack whose permanent outputs (key ARNs) this stack reads. */
  readonly statefulStackName: string;
}

/**
 * The token Lambda, the private API in front of it, the caller-policy parameter, the scheduled key
 * sync, the scheduled canary, and the alarms and dashboard. Table, secret and parameter are reached by their configured names; keys by the
 * stateful stack's permanent outputs (weak references: `Fn::GetStackOutput`).
 */
export class StatelessStack extends Stack {
  readonly broker: BrokerFunction;
  readonly api: TokenApi;
  readonly policy: CallerPolicyParameter;
  readonly monitoring: Monitoring;
  readonly keySync: KeySync;
  readonly canary: Canary;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    const live = liveSigningKeys(config);
    const fromStateful = (outputName: string): string =>
      Fn.getStackOutput(props.statefulStackName, outputName, this.region);

    this.policy = new CallerPolicyParameter(this, 'CallerPolicy', {
      config,
      policy: loadCallerPolicyFile(config),
    });
    this.broker = new BrokerFunction(this, 'Token', {
      config,
      principals: accessPrincipals(config),
      activeSigningKeyArn: fromStateful(signingKeyOutputName(live.active.name)),
      nextSigningKeyArn: live.next ? fromStateful(signingKeyOutputName(live.next.name)) : undefined,
      dataKeyArn: fromStateful(STATEFUL_OUTPUTS.dataKeyArn),
      tokenSealKeyArn: fromStateful(STATEFUL_OUTPUTS.tokenSealKeyArn),
    });
    this.api = new TokenApi(this, 'Api', { config, handler: this.broker.function });
    // No cycle: the function reads the API's id (Ref), the methods read the function's ARN, and the
    // stage name is the environment's name, a string from config (the infra tests walk the graph).
    this.broker.function.addEnvironment(ENV.apiId, this.api.api.restApiId);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      function: this.broker.function,
      stage: this.api.api.deploymentStage,
    });

    const invokeUrls = this.api.invokeUrls(config.network.executeApiVpcEndpointIds);
    this.keySync = new KeySync(this, 'KeySync', {
      config,
      activeSigningKeyArn: fromStateful(signingKeyOutputName(live.active.name)),
      nextSigningKeyArn: live.next ? fromStateful(signingKeyOutputName(live.next.name)) : undefined,
      retiredSigningKeys: retiredSigningKeys(config).map((key) => ({
        kid: key.kid,
        keyArn: fromStateful(signingKeyOutputName(key.name)),
      })),
      dataKeyArn: fromStateful(STATEFUL_OUTPUTS.dataKeyArn),
      api: this.api.api,
      brokerUrl: invokeUrls[0] as string,
      topics: this.monitoring.topics,
      dashboard: this.monitoring.dashboard,
    });

    this.canary = new Canary(this, 'Canary', {
      config,
      api: this.api.api,
      brokerUrls: invokeUrls,
      alarms: this.monitoring.alarms,
      dashboard: this.monitoring.dashboard,
    });

    new CfnOutput(this, 'ApiId', { value: this.api.api.restApiId });
    new CfnOutput(this, 'InvokeArnAllRoutes', {
      description:
        'execute-api:Invoke ARN for every route; narrow to .../<stage>/<METHOD>/v1/<path>',
      value: this.api.api.arnForExecuteApi('*', '/*', this.api.api.deploymentStage.stageName),
    });
    invokeUrls.forEach((url, index) => {
      new CfnOutput(this, `InvokeUrl${index + 1}`, {
        description: `Base URL through ${config.network.executeApiVpcEndpointIds[index]} (VPC ${config.network.vpcId})`,
        value: url,
      });
    });
    new CfnOutput(this, 'PagingTopicArn', { value: this.monitoring.topics.paging.topicArn });
    new CfnOutput(this, 'TicketTopicArn', { value: this.monitoring.topics.tickets.topicArn });
    new CfnOutput(this, 'DegradedAlarmName', {
      value: this.monitoring.alarms.alarmName('degraded'),
    });
    new CfnOutput(this, 'DashboardName', { value: config.names.dashboard });
    new CfnOutput(this, 'KeySyncFunctionName', { value: config.names.keySyncFunction });
    new CfnOutput(this, 'CanaryFunctionName', { value: config.names.canaryFunction });
  }
}
