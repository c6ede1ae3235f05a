import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { tokenSealEncryptionContext } from '../../config/token-seal-context.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Deadline } from '../../ports/deadline.js';
import { BrokenSealError, type TokenSealer } from '../../ports/token-sealer.js';
import { openEnvelope, parseEnvelope, sealEnvelope } from './aes-gcm-envelope.js';

export interface KmsTokenSealerOptions {
  client: KMSClient;
  /** The symmetric seal key (`TOKEN_CACHE_KMS_KEY`). */
  keyId: string;
  /** The table the seals are for: part of the encryption context and of each seal. */
  table: string;
  clock?: Clock;
  /** A data key seals for at most this long (default one hour). */
  maxDataKeyAgeMs?: number;
  /** A data key seals at most this many tokens (default 100,000). */
  maxDataKeyUses?: number;
  /** Unwrapped data keys kept for reading (default 256, least recently used dropped first). */
  maxUnwrappedKeys?: number;
}

/** KMS answers that mean "this wrapped key is not one of ours for this table", not "KMS failed". */
const NOT_OURS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

interface DataKey {
  key: KeyObject;
  wrapped: Uint8Array;
  createdAt: number;
  uses: number;
}

/**
 * A {@link TokenSealer} on KMS envelope encryption: AES-256-GCM under a data key from
 * `GenerateDataKey` (the seal key, `AES_256`, the encryption context
 * `{"purpose":"maskinporten-broker/token-cache","table":<table>}`), the wrapped data key stored in
 * each seal. Any instance opens any other's seals: it unwraps a data key it has not seen with
 * `Decrypt` (the same context, and the seal key named, so a key from elsewhere is refused), once.
 *
 * Cost and latency: a warm instance calls KMS once per data key it makes (at most one per
 * `maxDataKeyAgeMs`) and once per other instance's data key it reads, never per cache read; the
 * unwrapped keys stay in memory (bounded). Rotation by age bounds how long one data key lives in
 * memory and in new items; by use, how many tokens one data key opens (and keeps random 96-bit GCM
 * IVs far below their collision bound). Old items stay readable: each carries its own wrapped key.
 *
 * Every KMS call is aborted at the request's deadline. A concurrent seal or open waits for the
 * same KMS call instead of making its own.
 *
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/data-keys.html
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 */
export class KmsTokenSealer implements TokenSealer {
  readonly #client: KMSClient;
  readonly #keyId: string;
  readonly #table: string;
  readonly #context: Record<string, string>;
  readonly #clock: Clock;
  readonly #maxAgeMs: number;
  readonly #maxUses: number;
  readonly #maxUnwrapped: number;
  #current: DataKey | undefined;
  #generating: Promise<DataKey> | undefined;
  /** Unwrapped data keys by a hash of their wrapped form, least recently used first. */
  readonly #unwrapped = new Map<string, KeyObject>();
  readonly #unwrapping = new Map<string, Promise<KeyObject>>();

  constructor(options: KmsTokenSealerOptions) {
    this.#client = options.client;
    this.#keyId = options.keyId;
    this.#table = options.table;
    this.#context = tokenSealEncryptionContext(options.table);
    this.#clock = options.clock ?? systemClock;
    this.#maxAgeMs = positive(options.maxDataKeyAgeMs ?? 3_600_000, 'maxDataKeyAgeMs');
    this.#maxUses = positive(options.maxDataKeyUses ?? 100_000, 'maxDataKeyUses');
    this.#maxUnwrapped = positive(options.maxUnwrappedKeys ?? 256, 'maxUnwrappedKeys');
  }

  async seal(plaintext: Uint8Array, boundTo: string, deadline: Deadline): Promise<string> {
    const dataKey = await this.#dataKey(deadline);
    dataKey.uses += 1;
    const binding = { table: this.#table, boundTo };
    return sealEnvelope(dataKey.key, 'kms-data-key', dataKey.wrapped, binding, plaintext);
  }

  async open(sealed: string, boundTo: string, deadline: Deadline): Promise<Uint8Array> {
    const envelope = parseEnvelope(sealed);
    if (envelope.kind !== 'kms-data-key') {
      throw new BrokenSealError(`sealed with a ${envelope.kind}, not a KMS data key`);
    }
    const key = await this.#unwrap(envelope.keyRef, deadline);
    return openEnvelope(key, envelope, { table: this.#table, boundTo });
  }

  /** The data key to seal with: the current one while it is young and little used, else a new one. */
  #dataKey(deadline: Deadline): Promise<DataKey> {
    const current = this.#current;
    if (
      current &&
      current.uses < this.#maxUses &&
      this.#clock() - current.createdAt < this.#maxAgeMs
    ) {
      return Promise.resolve(current);
    }
    this.#generating ??= this.#generate(deadline).finally(() => {
      this.#generating = undefined;
    });
    return this.#generating;
  }

  async #generate(deadline: Deadline): Promise<DataKey> {
    const output = await this.#client.send(
      new GenerateDataKeyCommand({
        KeyId: this.#keyId,
        KeySpec: 'AES_256',
        EncryptionContext: this.#context,
      }),
      { abortSignal: deadline.signal },
    );
    const plaintext = output.Plaintext;
    const wrapped = output.CiphertextBlob;
    if (plaintext?.byteLength !== 32 || !wrapped?.byteLength) {
      throw new Error('KMS GenerateDataKey returned no AES-256 data key');
    }
    const key = createSecretKey(Buffer.from(plaintext));
    plaintext.fill(0);
    const dataKey: DataKey = { key, wrapped, createdAt: this.#clock(), uses: 0 };
    this.#current = dataKey;
    // This instance reads its own seals without asking KMS.
    this.#remember(fingerprint(wrapped), key);
    return dataKey;
  }

  #unwrap(wrapped: Uint8Array, deadline: Deadline): Promise<KeyObject> {
    const id = fingerprint(wrapped);
    const known = this.#unwrapped.get(id);
    if (known) {
      this.#remember(id, known);
      return Promise.resolve(known);
    }
    let pending = this.#unwrapping.get(id);
    if (!pending) {
      pending = this.#decrypt(wrapped, deadline)
        .then((key) => {
          this.#remember(id, key);
          return key;
        })
        .finally(() => this.#unwrapping.delete(id));
      this.#unwrapping.set(id, pending);
    }
    return pending;
  }

  async #decrypt(wrapped: Uint8Array, deadline: Deadline): Promise<KeyObject> {
    let plaintext: Uint8Array | undefined;
    try {
      const output = await this.#client.send(
        new DecryptCommand({
          CiphertextBlob: wrapped,
          KeyId: this.#keyId,
          EncryptionContext: this.#context,
        }),
        { abortSignal: deadline.signal },
      );
      plaintext = output.Plaintext;
    } catch (error) {
      if (error instanceof Error && NOT_OURS.has(error.name)) {
        throw new BrokenSealError(`its data key does not unwrap (${error.name})`);
      }
      throw error;
    }
    if (plaintext?.byteLength !== 32) throw new BrokenSealError('its data key is not AES-256');
    const key = createSecretKey(Buffer.from(plaintext));
    plaintext.fill(0);
    return key;
  }

  /** Keeps `key` as the most recently used, dropping the least recently used beyond the bound. */
  #remember(id: string, key: KeyObject): void {
    this.#unwrapped.delete(id);
    this.#unwrapped.set(id, key);
    while (this.#unwrapped.size > this.#maxUnwrapped) {
      const oldest = this.#unwrapped.keys().next().value as string;
      this.#unwrapped.delete(oldest);
    }
  }
}

function fingerprint(wrapped: Uint8Array): string {
  return createHash('sha256').update(wrapped).digest('base64url');
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be positive`);
  return value;
}
