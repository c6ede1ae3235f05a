import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { type EnvironmentName, type SigningKeyConfig, signingKeyAlias } from '../config.js';

export interface SigningKeysProps {
  readonly environment: EnvironmentName;
  readonly keys: readonly SigningKeyConfig[];
}

/** A Maskinporten signing key: its config entry and the KMS key behind it. */
export interface SigningKey {
  readonly config: SigningKeyConfig;
  readonly key: kms.IKey;
}

/**
 * One asymmetric KMS key (RSA_2048, SIGN_VERIFY) per configured entry, with a stable alias. The
 * private key never leaves KMS; the broker signs grants with `kms:Sign` and publishes the public
 * half. Keys are retained: deleting one would break the JWK registered at Maskinporten, and
 * asymmetric keys cannot be rotated by KMS, so rotation is a new entry (see the README, "Deploy" →
 * "Signing key rotation").
 */
export class SigningKeys extends Construct {
  readonly keys: readonly SigningKey[];

  constructor(scope: Construct, id: string, props: SigningKeysProps) {
    super(scope, id);
    this.keys = props.keys.map((config) => ({
      config,
      key: new kms.Key(this, `Key-${config.name}`, {
        keySpec: kms.KeySpec.RSA_2048,
        keyUsage: kms.KeyUsage.SIGN_VERIFY,
        alias: signingKeyAlias(props.environment, config.name),
        description: `Maskinporten grant signing key ${config.name} (${props.environment})`,
        pendingWindow: Duration.days(30),
        removalPolicy: RemovalPolicy.RETAIN,
      }),
    }));
  }
}
