import { DIGDIR_KEY_LIMIT, type RegisteredKey } from './key-set-plan.js';
import { type RsaPublicJwk, sameKeyMaterial } from './public-jwk.js';

/** Digdir: a change reaches Maskinporten 0-2 minutes after the API call (FD `oidc_api_admin`). */
export const DIGDIR_PROPAGATION_DELAY_MS = 2 * 60_000;

/** Warn this many days before the active key's `exp` (digdirator re-posts at 30 days left). */
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;

/** The outcome of one real token request signed with the next key; the caller performs it. */
export interface KeyVerification {
  ok: boolean;
  /** Epoch ms when Maskinporten answered. */
  at: number;
  /** What Maskinporten said when it refused (e.g. `MP-124 ...`); never a token. */
  detail?: string;
}

export interface KeyStatusInput {
  /** Epoch ms, from the injected clock. */
  now: number;
  registered: readonly RegisteredKey[];
  active: RsaPublicJwk;
  next?: RsaPublicJwk | undefined;
  retired?: readonly string[];
  nextVerification?: KeyVerification | undefined;
  /** Default {@link DIGDIR_PROPAGATION_DELAY_MS}. */
  propagationDelayMs?: number;
  /** Default {@link DEFAULT_EXPIRY_WARNING_DAYS}. */
  expiryWarningDays?: number;
  /** Default {@link DIGDIR_KEY_LIMIT}. */
  limit?: number;
}

/** `different_key`: Digdir holds this kid with another public key, so grants fail. */
export type Registration = 'registered' | 'not_registered' | 'different_key';

export interface KeyState {
  kid: string;
  registration: Registration;
  registeredAt?: number;
  /** `now - registeredAt`, when the registration time is known. */
  ageMs?: number;
  /** Digdir's `exp`, epoch ms. */
  expiresAt?: number;
  /** `expiresAt - now`; negative once expired. */
  expiresInMs?: number;
  expired: boolean;
}

export type Promotion = { ready: true } | { ready: false; reasons: string[] };

export interface KeyStatus {
  active: KeyState;
  next?: KeyState & { promotion: Promotion };
  retired: KeyState[];
  /** Registered keys the configuration does not name. */
  others: KeyState[];
  registeredCount: number;
  limit: number;
  warnings: string[];
}

/**
 * What `keys status` shows: the active and next key, whether each is registered at Digdir, its age
 * and `exp`, and whether the next key may be promoted. Promotion needs both: registered for longer
 * than Digdir's propagation delay (a change takes 0-2 minutes to reach every Maskinporten node),
 * and a real token request signed with it that succeeded after it was registered (the proof that
 * Maskinporten accepts it; the time rule covers the nodes that request did not reach).
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_func_clientreg (key `exp`, MP-121)
 */
export function keyStatus(input: KeyStatusInput): KeyStatus {
  const { now, registered } = input;
  const limit = input.limit ?? DIGDIR_KEY_LIMIT;
  const warnDays = input.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS;
  const warnings: string[] = [];
  const active = stateOf(input.active.kid, input.active, registered, now);
  warnings.push(...activeWarnings(active, warnDays));

  const retired = (input.retired ?? []).map((kid) => stateOf(kid, undefined, registered, now));
  for (const key of retired) {
    if (key.registration !== 'not_registered') {
      warnings.push(`retired key ${key.kid} is still registered; a sync removes it`);
    }
  }
  const named = new Set([input.active.kid, input.next?.kid, ...(input.retired ?? [])]);
  const others = registered
    .filter((key) => !named.has(key.jwk.kid))
    .map((key) => stateOf(key.jwk.kid, undefined, registered, now));
  if (registered.length > limit) {
    warnings.push(`Digdir holds ${registered.length} keys, more than its limit of ${limit}`);
  }

  const status: KeyStatus = {
    active,
    retired,
    others,
    registeredCount: registered.length,
    limit,
    warnings,
  };
  if (input.next) {
    const next = stateOf(input.next.kid, input.next, registered, now);
    const delay = input.propagationDelayMs ?? DIGDIR_PROPAGATION_DELAY_MS;
    status.next = { ...next, promotion: readiness(next, input.nextVerification, now, delay) };
    if (next.expired) warnings.push(`next key ${next.kid} has expired at Digdir`);
  }
  return status;
}

function stateOf(
  kid: string,
  expected: RsaPublicJwk | undefined,
  registered: readonly RegisteredKey[],
  now: number,
): KeyState {
  const found = registered.find((key) => key.jwk.kid === kid);
  if (!found) return { kid, registration: 'not_registered', expired: false };
  const state: KeyState = {
    kid,
    registration:
      expected && !sameKeyMaterial(found.jwk, expected) ? 'different_key' : 'registered',
    expired: found.expiresAt !== undefined && found.expiresAt <= now,
  };
  if (found.registeredAt !== undefined) {
    state.registeredAt = found.registeredAt;
    state.ageMs = now - found.registeredAt;
  }
  if (found.expiresAt !== undefined) {
    state.expiresAt = found.expiresAt;
    state.expiresInMs = found.expiresAt - now;
  }
  return state;
}

function activeWarnings(active: KeyState, warnDays: number): string[] {
  const { kid } = active;
  if (active.registration === 'not_registered') {
    return [`active key ${kid} is not registered at Digdir: grants signed with it fail`];
  }
  if (active.registration === 'different_key') {
    return [`active key ${kid} is registered at Digdir with another public key: grants fail`];
  }
  if (active.expired) return [`active key ${kid} has expired at Digdir: grants fail (MP-121)`];
  if (active.expiresInMs !== undefined && active.expiresInMs <= warnDays * DAY_MS) {
    const days = Math.floor(active.expiresInMs / DAY_MS);
    return [`active key ${kid} expires at Digdir in ${days} days: rotate it`];
  }
  return [];
}

/**
 * Whether Maskinporten accepts a key everywhere: registered with this public key, not expired,
 * registered for longer than the propagation delay, and verified by a token request signed with
 * it after it was registered. What `keys status` says of the next key, and what the deploy
 * preflight demands of the active one.
 */
export function readiness(
  key: KeyState,
  verification: KeyVerification | undefined,
  now: number,
  delayMs: number = DIGDIR_PROPAGATION_DELAY_MS,
): Promotion {
  const reasons: string[] = [];
  if (key.registration === 'not_registered') reasons.push('not registered at Digdir; run sync');
  else if (key.registration === 'different_key') {
    reasons.push('registered at Digdir with another public key');
  } else if (key.expired) reasons.push('expired at Digdir');
  else if (key.registeredAt === undefined) reasons.push('registration time unknown');
  else if (now - key.registeredAt <= delayMs) {
    const waitS = Math.ceil((key.registeredAt + delayMs - now) / 1000);
    reasons.push(
      `registered ${Math.floor((now - key.registeredAt) / 1000)} s ago; wait ${waitS} s more for propagation`,
    );
  }
  if (!verification) reasons.push('not yet verified by a token request signed with it');
  else if (!verification.ok) {
    reasons.push(
      `a token request signed with it failed${verification.detail ? `: ${verification.detail}` : ''}`,
    );
  } else if (key.registeredAt !== undefined && verification.at < key.registeredAt) {
    reasons.push('verified before its current registration; verify again');
  }
  return reasons.length === 0 ? { ready: true } : { ready: false, reasons };
}
