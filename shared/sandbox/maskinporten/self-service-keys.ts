import type { JWK } from 'jose';
import type { Clock } from '../../ports/clock.js';
import type { ClientRegistry, EffectiveKey } from './client-registry.js';

/** Default propagation delay of the sandbox: short enough to try by hand, long enough to notice. */
export const SANDBOX_PROPAGATION_DELAY_MS = 5_000;
/** Digdir: a change reaches Maskinporten "0-2 minutes" after the API call; the sandbox allows 10. */
export const MAX_PROPAGATION_DELAY_MS = 10 * 60_000;

/** A key in Digdir's stored set, as `GET /clients/{id}/jwks` shows it. */
export interface StoredKey {
  /** The posted public members only. */
  jwk: JWK;
  /** Epoch seconds: one year after the key was (last) posted. */
  exp: number;
  /** Epoch ms when this key (this kid with this material) first entered the set. */
  created: number;
  /** Epoch ms of the last post that carried it. */
  lastUpdated: number;
}

export interface StoredKeySet {
  keys: StoredKey[];
  created: number;
  lastUpdated: number;
}

/** A stored set on its way to Maskinporten. */
export interface PendingChange {
  clientId: string;
  /** Epoch ms from when grants are checked against it. */
  effectiveAt: number;
  keys: StoredKey[];
}

/**
 * Digdir's side of a client's keys: the set stored by the self-service API (what GET returns,
 * changed at once by POST/PUT) and the changes still travelling to Maskinporten. A stored set
 * reaches the registry grants are verified against only after the propagation delay, so a new key
 * is refused (MP-124) and a removed key still accepted until then. Changes land in the order they
 * were made, lazily, whenever a grant or an API call looks, so a manual clock drives them.
 *
 * Each posted key gets `exp` = post time + one calendar year, unchanged keys included: FD
 * `maskinporten_feilsoking` says posting a key again renews it, and a whole-set POST posts every
 * key in it (what Digdir does with unchanged keys is undocumented). `created` stays the time the
 * kid first arrived with that public key.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin ("Overføring av integrasjonskonfigurasjon")
 */
export class SelfServiceKeys {
  readonly #clients: ClientRegistry;
  readonly #clock: Clock;
  readonly #stored = new Map<string, StoredKeySet>();
  #pending: PendingChange[] = [];
  #delayMs: number;

  constructor(options: { clients: ClientRegistry; clock: Clock; propagationDelayMs?: number }) {
    this.#clients = options.clients;
    this.#clock = options.clock;
    this.#delayMs = checkDelay(options.propagationDelayMs ?? SANDBOX_PROPAGATION_DELAY_MS);
    options.clients.onBeforeRead(() => this.settle());
  }

  get propagationDelayMs(): number {
    return this.#delayMs;
  }

  /** Changes made after this take the new delay; changes already travelling keep theirs. */
  setPropagationDelay(ms: number): void {
    this.#delayMs = checkDelay(ms);
  }

  /**
   * Takes the client's keys as they are in the registry (registered at start, or changed by hand)
   * into the stored set, already propagated; a kid already stored keeps its `exp` and `created`.
   */
  adopt(clientId: string): void {
    const client = this.#clients.get(clientId);
    if (!client) throw new Error(`unknown client ${clientId}`);
    const now = this.#clock();
    const before = this.#stored.get(clientId);
    const keys = [...client.keys.values()].map((jwk) => {
      const kept = before?.keys.find((key) => key.jwk.kid === jwk.kid && sameKey(key.jwk, jwk));
      return kept ?? { jwk, exp: oneYearAfter(now), created: now, lastUpdated: now };
    });
    this.#stored.set(clientId, {
      keys,
      created: before?.created ?? now,
      lastUpdated: now,
    });
    this.#clients.replaceKeys(clientId, keys.map(effective));
  }

  /** Digdir's stored set for the client (adopting the registry's keys the first time). */
  stored(clientId: string): StoredKeySet | undefined {
    this.settle();
    if (!this.#clients.get(clientId)) return undefined;
    if (!this.#stored.has(clientId)) this.adopt(clientId);
    return structuredClone(this.#stored.get(clientId));
  }

  /** Replaces the stored set (already validated) and schedules it for Maskinporten. */
  replace(clientId: string, jwks: readonly JWK[]): StoredKeySet {
    const before = this.stored(clientId);
    if (!before) throw new Error(`unknown client ${clientId}`);
    const now = this.#clock();
    const keys = jwks.map((jwk) => {
      const same = before.keys.find((key) => key.jwk.kid === jwk.kid && sameKey(key.jwk, jwk));
      return { jwk, exp: oneYearAfter(now), created: same?.created ?? now, lastUpdated: now };
    });
    const set = { keys, created: before.created, lastUpdated: now };
    this.#stored.set(clientId, set);
    this.#pending.push({ clientId, effectiveAt: now + this.#delayMs, keys: structuredClone(keys) });
    this.settle();
    return structuredClone(set);
  }

  /** The client owning `kid` in Digdir's stored sets or in Maskinporten's registry, if any. */
  ownerOf(kid: string): string | undefined {
    for (const [clientId, set] of this.#stored) {
      if (set.keys.some((key) => key.jwk.kid === kid)) return clientId;
    }
    for (const clientId of this.#clients.clientIds()) {
      if (!this.#stored.has(clientId) && this.#clients.get(clientId)?.keys.has(kid)) {
        return clientId;
      }
    }
    return undefined;
  }

  /** Changes not yet applied to Maskinporten, oldest first. */
  pending(clientId?: string): PendingChange[] {
    this.settle();
    const list = this.#pending.filter((change) => !clientId || change.clientId === clientId);
    return structuredClone(list);
  }

  /**
   * Applies, per client, the latest change whose time has come; it supersedes that client's older
   * changes, so a shorter delay set in between cannot let an old set overwrite a newer one.
   */
  settle(): void {
    if (this.#pending.length === 0) return;
    const now = this.#clock();
    const latestDue = new Map<string, number>();
    this.#pending.forEach((change, index) => {
      if (change.effectiveAt <= now) latestDue.set(change.clientId, index);
    });
    if (latestDue.size === 0) return;
    const pending = this.#pending;
    this.#pending = pending.filter(
      (change, index) => index > (latestDue.get(change.clientId) ?? -1),
    );
    for (const [clientId, index] of latestDue) {
      this.#clients.replaceKeys(clientId, (pending[index] as PendingChange).keys.map(effective));
    }
  }
}

function effective(key: StoredKey): EffectiveKey {
  return { jwk: key.jwk, exp: key.exp };
}

function sameKey(a: JWK, b: JWK): boolean {
  return a.kty === b.kty && a.n === b.n && a.e === b.e;
}

/** Epoch seconds one calendar year after `ms` (FD `clientreg`: "MAKS 1 års levetid"). */
export function oneYearAfter(ms: number): number {
  const date = new Date(ms);
  date.setUTCFullYear(date.getUTCFullYear() + 1);
  return Math.floor(date.getTime() / 1000);
}

function checkDelay(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_PROPAGATION_DELAY_MS) {
    throw new Error(`propagation delay must be 0-${MAX_PROPAGATION_DELAY_MS} ms`);
  }
  return ms;
}
