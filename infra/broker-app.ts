import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  type BrokerEnvironmentConfig,
  ENVIRONMENTS,
  resolveEnvironment,
  SERVICE_NAME,
} from './config.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { StatelessStack } from './stacks/stateless-stack.js';

export interface BrokerApp {
  readonly config: BrokerEnvironmentConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Adds the environment chosen with `-c env=<name>` to the app: a retained stateful stack and a
 * stateless stack that reaches the stateful resources by configured names and permanent outputs,
 * plus cdk-nag's AWS Solutions checks on everything (unacknowledged findings fail synthesis).
 */
export function buildBrokerApp(
  app: App,
  environments: Readonly<Record<string, BrokerEnvironmentConfig>> = ENVIRONMENTS,
): BrokerApp {
  const config = resolveEnvironment(app.node.tryGetContext('env'), environments);
  const env = { account: config.account, region: config.region };
  const prefix = `MaskinportenBroker-${config.name}`;
  const terminationProtection = config.name === 'prod';

  const stateful = new StatefulStack(app, `${prefix}-stateful`, {
    env,
    config,
    terminationProtection,
    description: `${SERVICE_NAME} ${config.name}: signing keys, token cache and its keys, configuration secret (retained)`,
  });
  const stateless = new StatelessStack(app, `${prefix}-stateless`, {
    env,
    config,
    terminationProtection,
    description: `${SERVICE_NAME} ${config.name}: token Lambda, private API, caller policy, key sync, dashboard and alarms`,
    statefulStackName: stateful.stackName,
  });
  stateless.addStackDependency(stateful, 'reads the key ARNs from its outputs');

  // CloudFormation's AWS::CloudWatch::Dashboard has no Tags property (cfn-lint E3002).
  const tagOptions = { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] };
  Tags.of(app).add('service', SERVICE_NAME, tagOptions);
  Tags.of(app).add('environment', config.name, tagOptions);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { config, stateful, stateless };
}
