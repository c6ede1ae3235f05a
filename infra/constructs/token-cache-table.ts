import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TOKEN_TABLE } from '../../shared/adapters/dynamodb/token-table.js';
import type { AccessPrincipals } from '../access.js';
import { tokenTablePolicy } from './resource-policies.js';

export interface TokenCacheTableProps {
  readonly tableName: string;
  /** Customer-managed symmetric key for encryption at rest (the cache holds bearer tokens). */
  readonly encryptionKey: kms.IKey;
  readonly deletionProtection: boolean;
  /** `retain`: RETAIN_ON_UPDATE_OR_DELETE; `destroy`: deleted with its stack (a cache refills). */
  readonly removal: 'retain' | 'destroy';
  readonly principals: AccessPrincipals;
}

/** The table's ARN from its configured name: the resource policy cannot reference its own table. */
export function tokenTableArn(principals: AccessPrincipals, tableName: string): string {
  return `arn:aws:dynamodb:${principals.region}:${principals.account}:table/${tableName}`;
}

/**
 * The shared token cache: one item per cache key (`pk`), `ttl` in epoch seconds for DynamoDB's
 * background garbage collection (the broker checks expiry on every read; TTL deletion lags). A
 * resource policy keeps its items to the broker and ops.
 *
 * Point-in-time recovery is off on purpose: the table is a pure cache of short-lived bearer tokens
 * that the broker refetches on a miss. A backup has no recovery value and would only keep copies of
 * token material for 35 days.
 */
export class TokenCacheTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: TokenCacheTableProps) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: TOKEN_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TOKEN_TABLE.ttlAttribute,
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      deletionProtection: props.deletionProtection,
      resourcePolicy: tokenTablePolicy(
        props.principals,
        tokenTableArn(props.principals, props.tableName),
      ),
      removalPolicy:
        props.removal === 'destroy'
          ? RemovalPolicy.DESTROY
          : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
  }
}
