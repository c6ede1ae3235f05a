import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * A DynamoDB client for the token table. Each call is aborted at the request's deadline (the cache
 * passes it as `abortSignal`); the timeouts here are only a backstop for calls made without one.
 * Region and endpoint come from the standard settings (`AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`).
 */
export function createTokenTableClient(): DynamoDBClient {
  return new DynamoDBClient({
    // One attempt: a cache that answers slowly is worse than none, and retries only add load.
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      throwOnRequestTimeout: true,
    },
  });
}
