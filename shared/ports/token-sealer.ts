import type { Deadline } from './deadline.js';

/**
 * Seals a cached token before it leaves the process, so the shared cache (and whoever reads its
 * table) holds only ciphertext the broker can open. A seal is authenticated encryption bound to the
 * cache key it is stored under (and, inside the sealer, to the table): a sealed value moved to
 * another key, planted, or changed does not open. In AWS the adapter uses KMS data keys; locally a
 * key derived from the signing key the instances share.
 */
export interface TokenSealer {
  /** The plaintext as a printable string that only this broker opens, and only under `boundTo`. */
  seal(plaintext: Uint8Array, boundTo: string, deadline: Deadline): Promise<string>;
  /**
   * The plaintext of a sealed value stored under `boundTo`. Throws {@link BrokenSealError} when
   * the value does not open (the caller treats it as a miss); any other error is the sealer failing
   * (KMS unreachable, throttled), not the value.
   */
  open(sealed: string, boundTo: string, deadline: Deadline): Promise<Uint8Array>;
}

/** A sealed value that does not open: malformed, sealed under another key, or altered. */
export class BrokenSealError extends Error {
  override readonly name = 'BrokenSealError';
}
