import { randomUUID } from 'node:crypto';
import { DEMO } from '../../../shared/sandbox/demo.js';
import type { Json } from './cloud-assembly.js';
import type { LocalCloud } from './local-cloud.js';

/**
 * What ops do after the first deploy, on the local cloud: fill the configuration secret the
 * stateful template created with its placeholder, and (as a reviewed policy change would) add rules
 * to the caller policy the template deploys.
 */

/** An IAM role in the broker's account that the tests call as. */
export const roleArn = (cloud: LocalCloud, name: string) =>
  `arn:aws:iam::${cloud.config.account}:role/${name}`;

/** The STS session ARN API Gateway reports for a caller that assumed `role` (a role ARN). */
export const sessionOf = (role: string, session = 'bundle-test') =>
  `${role.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${session}`;

/** The caller policy the template deploys (its SSM parameter), as a document. */
export function deployedPolicy(cloud: LocalCloud): { rules: Json[] } {
  const name = cloud.config.names.policyParameter;
  for (const stack of cloud.assembly.stacks) {
    for (const resource of Object.values<Json>(stack.template.Resources)) {
      if (resource.Type === 'AWS::SSM::Parameter' && resource.Properties.Name === name) {
        return JSON.parse(cloud.resolver.resolve(stack, resource.Properties.Value));
      }
    }
  }
  throw new Error(`no SSM parameter ${name} in the templates`);
}

/**
 * Fills the secret with the demo client (the sandbox's Maskinporten client and Altinn system) and
 * deploys the template's caller policy with `extraRules` appended to the parameter
 * `BROKER_POLICY_PARAMETER` names, as the next deploy of an edited policy file would.
 */
export function configureBroker(cloud: LocalCloud, extraRules: readonly Json[]): void {
  const deployed = deployedPolicy(cloud);
  const policy = { ...deployed, rules: [...deployed.rules, ...extraRules] };
  cloud.ssm.put(cloud.config.names.policyParameter, JSON.stringify(policy));
  cloud.secrets.put(
    cloud.config.names.secret,
    JSON.stringify({ clientId: DEMO.clientId, systemId: DEMO.systemId }),
  );
}

/**
 * The event EventBridge sends a scheduled rule's target, for the template's rule named `ruleName`.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
 */
export function scheduledEvent(cloud: LocalCloud, ruleName: string): Json {
  const { account, region } = cloud.config;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/${ruleName}`],
    detail: {},
  };
}
