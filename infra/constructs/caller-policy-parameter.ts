import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { CallerPolicyDocument } from '../caller-policy-file.js';
import type { BrokerEnvironmentConfig } from '../config.js';

export interface CallerPolicyParameterProps {
  readonly config: BrokerEnvironmentConfig;
  /** The checked, minified policy from `infra/policies/<env>.json`. */
  readonly policy: CallerPolicyDocument;
}

/**
 * The caller policy as an SSM String parameter, deployed from the repository: a policy change is a
 * reviewed commit and a deploy (rolled back with the stack if the deploy fails), never a hand edit.
 * Not a SecureString: the policy is in git and CloudFormation cannot write SecureStrings. Only the
 * broker's role is granted `ssm:GetParameter` on it (the function construct).
 */
export class CallerPolicyParameter extends Construct {
  readonly parameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: CallerPolicyParameterProps) {
    super(scope, id);
    const { config, policy } = props;
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: config.names.policyParameter,
      description: `maskinporten-broker ${config.name} caller policy, from infra/policies/${config.name}.json (${policy.ruleCount} rules)`,
      stringValue: policy.value,
      tier:
        config.policyParameterTier === 'Advanced'
          ? ssm.ParameterTier.ADVANCED
          : ssm.ParameterTier.STANDARD,
    });
  }
}
