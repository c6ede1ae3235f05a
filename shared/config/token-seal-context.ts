/**
 * What every sealed token is bound to besides its cache key: the purpose and the table. The KMS
 * seal key's policy admits `GenerateDataKey` and `Decrypt` only with exactly this encryption
 * context (infra builds the policy from the same function), and the broker's own AES-GCM
 * additional authenticated data starts with the same two values.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html
 */
export const TOKEN_SEAL_PURPOSE = 'maskinporten-broker/token-cache';

export function tokenSealEncryptionContext(tableName: string): Record<string, string> {
  return { purpose: TOKEN_SEAL_PURPOSE, table: tableName };
}
