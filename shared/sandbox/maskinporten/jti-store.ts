/**
 * Remembers each grant `jti` until the grant could no longer be accepted anyway, so a replay is
 * caught ("Grant is used before") and memory stays bounded in a long-running sandbox.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_jwtgrant
 */
export class JtiStore {
  /** Key: client id and jti; value: epoch seconds after which the entry may be forgotten. */
  readonly #seen = new Map<string, number>();

  /** Records the jti; false if this client already used it. */
  remember(clientId: string, jti: string, forgetAfter: number, now: number): boolean {
    this.#prune(now);
    const key = `${clientId}\u0000${jti}`;
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, forgetAfter);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Entries are in (roughly) expiry order, so stop at the first live one: O(expired) per call. */
  #prune(now: number): void {
    for (const [key, forgetAfter] of this.#seen) {
      if (forgetAfter >= now) return;
      this.#seen.delete(key);
    }
  }
}
