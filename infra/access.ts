import { type BrokerEnvironmentConfig, functionRoleArn } from './config.js';

/**
 * The principals the key and resource policies name, as role ARN strings. Policies compare them
 * with `aws:PrincipalArn` under the account principal instead of naming the roles as principals:
 * a policy naming a role that does not exist yet (the function role, created by the stateless stack
 * after the stateful one) is rejected as malformed, and a named role that is deleted and recreated
 * silently drops out of a policy (IAM pins its unique id), while the ARN condition keeps matching.
 */
export interface AccessPrincipals {
  readonly account: string;
  readonly region: string;
  /** The token function's role: the only one that signs grants and opens sealed tokens. */
  readonly broker: string;
  /** Optional ops role: signs from a workstation, reads the table and the secret. */
  readonly ops?: string;
  /** Key and policy administrators, CloudFormation's execution role among them. */
  readonly admins: readonly string[];
}

export function accessPrincipals(config: BrokerEnvironmentConfig): AccessPrincipals {
  const { opsRoleArn } = config.access;
  return {
    account: config.account,
    region: config.region,
    broker: functionRoleArn(config),
    ...(opsRoleArn ? { ops: opsRoleArn } : {}),
    admins: [...config.access.keyAdminRoleArns],
  };
}

/** The broker role and, when configured, the ops role. */
export function brokerAndOps(principals: AccessPrincipals): string[] {
  return principals.ops ? [principals.broker, principals.ops] : [principals.broker];
}

/**
 * The encryption context the broker binds every sealed token to (`kms:EncryptionContext:*` in the
 * token-seal key's policy): a data key generated for another purpose or table does not open here.
 * Defined beside the runtime's sealer, so the key policy and the broker cannot disagree.
 */
export {
  TOKEN_SEAL_PURPOSE,
  tokenSealEncryptionContext,
} from '../shared/config/token-seal-context.js';
