import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { CachedToken } from '../../domain/cache-policy.js';
import type { Deadline } from '../../ports/deadline.js';
import type { LeaseRequest, PutOptions, SharedTokenCache } from '../../ports/token-cache.js';
import { TOKEN_TABLE } from './token-table.js';

/** Options for {@link DynamoDbTokenCache}. */
export interface DynamoDbTokenCacheOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Seconds the item outlives its token (or lease) before TTL may delete it. Default 3600. */
  garbageCollectionGraceSeconds?: number;
}

// Every attribute goes through a name placeholder: `ttl` is a DynamoDB reserved word and aliasing
// all of them keeps the expressions uniform.
const NAMES = {
  '#accessToken': 'accessToken',
  '#tokenType': 'tokenType',
  '#scope': 'scope',
  '#expiresAt': 'expiresAt',
  '#lifetime': 'lifetime',
  '#ttl': TOKEN_TABLE.ttlAttribute,
  '#leaseOwner': 'leaseOwner',
  '#leaseUntil': 'leaseUntil',
} as const;

type Name = keyof typeof NAMES;

const names = (...keys: Name[]): Record<string, string> =>
  Object.fromEntries(keys.map((k) => [k, NAMES[k]]));

const TOKEN_SET =
  '#accessToken = :accessToken, #tokenType = :tokenType, #scope = :scope, ' +
  '#expiresAt = :expiresAt, #lifetime = :lifetime, #ttl = :ttl';

// The cache only moves forward: a writer never replaces a token that expires later than its own.
const NOT_NEWER = '(attribute_not_exists(#expiresAt) OR #expiresAt <= :expiresAt)';

/**
 * {@link SharedTokenCache} on one DynamoDB table ({@link TOKEN_TABLE}), one item per cache key:
 * `pk`, the token attributes, `expiresAt` (epoch ms), `ttl` (epoch s, garbage collection only) and
 * an optional refresh lease (`leaseOwner`, `leaseUntil` epoch ms). Uses the low-level client with
 * hand-written AttributeValues. SDK errors propagate as-is (wrap in `GuardedSharedCache`);
 * `ConditionalCheckFailedException` is an answer, not an error. Each call is aborted at its
 * deadline (the SDK's own timeouts are a backstop); without one (tests, scripts) only they apply.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
 */
export class DynamoDbTokenCache implements SharedTokenCache {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #graceSeconds: number;

  constructor(options: DynamoDbTokenCacheOptions) {
    const grace = options.garbageCollectionGraceSeconds ?? 3600;
    if (!Number.isInteger(grace) || grace < 0) {
      throw new TypeError('garbageCollectionGraceSeconds must be a non-negative integer');
    }
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#graceSeconds = grace;
  }

  /**
   * Reads the token with GetItem. Does NOT filter on expiry (the caller compares `expiresAt`);
   * returns undefined for a missing item, a lease-only item or a malformed one.
   */
  async get(
    key: string,
    options: { consistent?: boolean } = {},
    deadline?: Deadline,
  ): Promise<CachedToken | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({
        TableName: this.#tableName,
        Key: this.#key(key),
        ConsistentRead: options.consistent ?? false,
        ProjectionExpression: '#accessToken, #tokenType, #scope, #expiresAt, #lifetime',
        ExpressionAttributeNames: names(
          '#accessToken',
          '#tokenType',
          '#scope',
          '#expiresAt',
          '#lifetime',
        ),
      }),
      abortAt(deadline),
    );
    return out.Item ? toCachedToken(out.Item) : undefined;
  }

  /**
   * Takes the refresh lease if it is free, expired or already ours, AND no stored token expires at
   * or after `freshAfter`. The second half closes the race where a caller whose read predated the
   * winner's write takes the lease right after the winner stored the token and released it.
   * Creating the lease on a missing item also sets `ttl`, so an abandoned lease-only item is
   * garbage-collected; the value covers both the lease and any stored token (which expires before
   * `freshAfter`, or the condition fails).
   */
  async tryAcquireLease(key: string, lease: LeaseRequest, deadline?: Deadline): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: this.#key(key),
          UpdateExpression: 'SET #leaseOwner = :owner, #leaseUntil = :until, #ttl = :ttl',
          ConditionExpression:
            '(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now OR #leaseOwner = :owner)' +
            ' AND (attribute_not_exists(#expiresAt) OR #expiresAt < :freshAfter)',
          ExpressionAttributeNames: names('#leaseOwner', '#leaseUntil', '#expiresAt', '#ttl'),
          ExpressionAttributeValues: {
            ':owner': { S: lease.owner },
            ':until': num(lease.leaseUntil),
            ':now': num(lease.now),
            ':freshAfter': num(lease.freshAfter),
            ':ttl': num(this.#ttl(Math.max(lease.leaseUntil, lease.freshAfter))),
          },
        }),
        abortAt(deadline),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Stores the token unless the stored one expires later (the cache never goes backwards).
   *
   * - With `owner`: also removes the lease, only if `owner` holds it or no lease exists. If the
   *   write is refused (our lease expired and another caller holds it now, or a later-expiring
   *   token is already stored) nothing is written and this resolves quietly: the caller still
   *   serves its own token, the other holder writes its own. A conditional release then frees our
   *   lease in the second case (a no-op in the first), so waiters are not blocked until it expires.
   * - Without `owner` (a direct fetch past a slow lease holder): the lease is left alone, as
   *   another caller may be fetching under it; waiters just see the fresh token sooner.
   * - With `replace` (a `skipCache` refresh): the "not newer" condition is dropped, so the new
   *   token replaces the stored one even if that one would have expired later.
   */
  async put(
    key: string,
    token: CachedToken,
    options: PutOptions = {},
    deadline?: Deadline,
  ): Promise<void> {
    const { owner } = options;
    if (!Number.isFinite(token.expiresAt) || !Number.isFinite(token.lifetime)) {
      throw new TypeError('CachedToken expiresAt and lifetime must be finite numbers');
    }
    const values: Record<string, AttributeValue> = {
      ':accessToken': { S: token.accessToken },
      ':tokenType': { S: token.tokenType },
      ':scope': { S: token.scope },
      ':expiresAt': num(token.expiresAt),
      ':lifetime': num(token.lifetime),
      ':ttl': num(this.#ttl(token.expiresAt)),
    };
    const tokenNames = names(
      '#accessToken',
      '#tokenType',
      '#scope',
      '#expiresAt',
      '#lifetime',
      '#ttl',
    );
    const replace = options.replace === true;
    // Without NOT_NEWER every value is still used by the SET (DynamoDB rejects unused ones).
    const notNewer = replace ? [] : [NOT_NEWER];
    try {
      await this.#client.send(
        new UpdateItemCommand(
          owner === undefined
            ? {
                TableName: this.#tableName,
                Key: this.#key(key),
                UpdateExpression: `SET ${TOKEN_SET}`,
                ConditionExpression: replace ? undefined : NOT_NEWER,
                ExpressionAttributeNames: tokenNames,
                ExpressionAttributeValues: values,
              }
            : {
                TableName: this.#tableName,
                Key: this.#key(key),
                UpdateExpression: `SET ${TOKEN_SET} REMOVE #leaseOwner, #leaseUntil`,
                ConditionExpression: [
                  '(attribute_not_exists(#leaseOwner) OR #leaseOwner = :owner)',
                  ...notNewer,
                ].join(' AND '),
                ExpressionAttributeNames: { ...tokenNames, ...names('#leaseOwner', '#leaseUntil') },
                ExpressionAttributeValues: { ...values, ':owner': { S: owner } },
              },
        ),
        abortAt(deadline),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (owner !== undefined) await this.releaseLease(key, owner, deadline);
    }
  }

  /** Removes the lease if `owner` holds it; otherwise a no-op. */
  async releaseLease(key: string, owner: string, deadline?: Deadline): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: this.#key(key),
          UpdateExpression: 'REMOVE #leaseOwner, #leaseUntil',
          ConditionExpression: '#leaseOwner = :owner',
          ExpressionAttributeNames: names('#leaseOwner', '#leaseUntil'),
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
        abortAt(deadline),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  #key(key: string): Record<string, AttributeValue> {
    return { [TOKEN_TABLE.partitionKey]: { S: key } };
  }

  /** TTL attribute for something that matters until `epochMs`: epoch seconds plus the grace. */
  #ttl(epochMs: number): number {
    return Math.ceil(epochMs / 1000) + this.#graceSeconds;
  }
}

const num = (value: number): AttributeValue => ({ N: String(value) });

/** The SDK's per-call options: aborted at the deadline, if there is one. */
const abortAt = (deadline: Deadline | undefined) => ({ abortSignal: deadline?.signal });

function isConditionFailure(error: unknown): boolean {
  // By name rather than instanceof: robust to a second copy of the SDK in the bundle.
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function toCachedToken(item: Record<string, AttributeValue>): CachedToken | undefined {
  const accessToken = item['accessToken']?.S;
  const tokenType = item['tokenType']?.S;
  const scope = item['scope']?.S;
  const expiresAt = Number(item['expiresAt']?.N);
  const lifetime = Number(item['lifetime']?.N);
  if (!accessToken || tokenType === undefined || scope === undefined) return undefined;
  // Number(undefined) is NaN, so a missing N attribute is rejected here too.
  if (!Number.isFinite(expiresAt) || !Number.isFinite(lifetime)) return undefined;
  return { accessToken, tokenType, scope, expiresAt, lifetime };
}
