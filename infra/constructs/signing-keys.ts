import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { AccessPrincipals } from '../access.js';
import { type EnvironmentName, type SigningKeyConfig, signingKeyAlias } from '../config.js';
import { signingKeyPolicy } from './key-policies.js';

export interface SigningKeysProps {
  readonly environment: EnvironmentName;
  readonly keys: readonly SigningKeyConfig[];
  readonly principals: AccessPrincipals;
}

/** A Maskinporten signing key: its config entry and the KMS key behind it. */
export interface SigningKey {
  readonly config: SigningKeyConfig;
  readonly key: kms.Key;
  /** The stack output with the key's ARN; it exists for as long as the config entry does. */
  readonly outputName: string;
}

/**
 * The output name of a key's ARN: `SigningKeyArn` + the name, with `-` (not allowed in an output
 * id) as `D` (never in a name, which is lowercase), so two names never share an output.
 */
export function signingKeyOutputName(keyName: string): string {
  return `SigningKeyArn${keyName.replaceAll('-', 'D')}`;
}

/**
 * One asymmetric KMS key (RSA_2048, SIGN_VERIFY) per configured entry, with a stable alias and an
 * explicit key policy (`signingKeyPolicy`). The private key never leaves KMS. Keys survive a failed
 * update or a stack deletion (RETAIN_ON_UPDATE_OR_DELETE; a failed first create leaves nothing
 * behind): deleting one would break the JWK registered at Maskinporten. A retired key is disabled
 * by the deploy that retires it. Every key has a permanent output until its entry is deleted, so a
 * rolled-back stateless stack can always resolve the keys it used.
 */
export class SigningKeys extends Construct {
  readonly keys: readonly SigningKey[];

  constructor(scope: Construct, id: string, props: SigningKeysProps) {
    super(scope, id);
    this.keys = props.keys.map((config) => {
      const key = new kms.Key(this, `Key-${config.name}`, {
        keySpec: kms.KeySpec.RSA_2048,
        keyUsage: kms.KeyUsage.SIGN_VERIFY,
        alias: signingKeyAlias(props.environment, config.name),
        description: `Maskinporten grant signing key ${config.name} (${props.environment})${config.retired ? ', retired' : ''}`,
        enabled: !config.retired,
        policy: signingKeyPolicy(props.principals),
        pendingWindow: Duration.days(30),
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      const outputName = signingKeyOutputName(config.name);
      new CfnOutput(scope, outputName, {
        description: `ARN of signing key ${config.name}; kept while the key is in infra/config.ts`,
        value: key.keyArn,
      });
      return { config, key, outputName };
    });
  }
}
