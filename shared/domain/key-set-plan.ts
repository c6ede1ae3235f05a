import {
  publicJwkMembers,
  type RsaPublicJwk,
  sameKeyMaterial,
  sameRegistration,
  signingKeyProblems,
} from './public-jwk.js';

/** Digdir: "inntil 5" keys per client (FD `oidc_api_admin`, `clientreg`; AO spec on `keys`). */
export const DIGDIR_KEY_LIMIT = 5;

/** One key in the set registered on the client at Digdir, as `GET /clients/{id}/jwks` shows it. */
export interface RegisteredKey {
  jwk: RsaPublicJwk;
  /** Digdir's `exp`, in epoch ms: one year after the key was posted (FD `clientreg`). */
  expiresAt?: number;
  /** When the key was registered, in epoch ms, if known (Digdir's `created`). */
  registeredAt?: number;
}

export interface KeySetPlanInput {
  /** The set registered at Digdir now. */
  registered: readonly RegisteredKey[];
  /** The public half of the key the broker signs with. */
  active: RsaPublicJwk;
  /** The public half of the key being rolled in, if any. */
  next?: RsaPublicJwk | undefined;
  /** Kids of the broker's former keys (config): removed from the registered set. */
  retired?: readonly string[];
  /** Keep exactly active + next: drop every key the broker does not know. */
  prune?: boolean;
  /** Default {@link DIGDIR_KEY_LIMIT}. */
  limit?: number;
}

/** Why a sync changes nothing: input to fix (exit 2), or a rule that holds (exit 1). */
export type RefusalReason = 'invalid_input' | 'kid_conflict' | 'over_limit';

export type KeySetPlan =
  | { action: 'none'; kids: string[] }
  | {
      action: 'write';
      /** The whole set to post: public members only, active first, then next, then kept keys. */
      keys: RsaPublicJwk[];
      added: string[];
      removed: string[];
      /** Registered under the broker's kid with the same key but another `alg`/`use`. */
      updated: string[];
      /** Registered keys the broker does not know, left in place. */
      kept: string[];
    }
  | { action: 'refused'; reason: RefusalReason; message: string };

/**
 * Plans a whole-set replacement of the client's JWKS (Digdir has no single-key operations) so the
 * registered set holds the active and the next public key. Keys the broker does not know are kept
 * unless `prune` (then the set is exactly active + next); retired kids are removed; the active key
 * is never removed. Changes nothing, with a message, when the result would exceed Digdir's limit,
 * when a registered key carries the broker's kid with another public key, or when the input is
 * bad. Planning again over the written set gives `none`.
 *
 * @see https://docs.digdir.no/docs/idporten/oidc/oidc_api_admin
 */
export function planKeySetSync(input: KeySetPlanInput): KeySetPlan {
  const limit = input.limit ?? DIGDIR_KEY_LIMIT;
  const invalid = checkInput(input);
  if (invalid) return refuse('invalid_input', invalid);
  const ours = [input.active, ...(input.next ? [input.next] : [])].map(publicJwkMembers);
  const registered = input.registered.map((key) => key.jwk);

  const seen = new Set<string>();
  for (const { kid } of registered) {
    if (seen.has(kid)) return refuse('kid_conflict', `Digdir's set lists kid ${kid} twice.`);
    seen.add(kid);
  }
  const updated: string[] = [];
  const added: string[] = [];
  for (const key of ours) {
    const current = registered.find((candidate) => candidate.kid === key.kid);
    if (!current) added.push(key.kid);
    else if (!sameKeyMaterial(current, key)) {
      return refuse(
        'kid_conflict',
        `kid ${key.kid} is registered at Digdir with another public key; nothing was changed. ` +
          'Check the signing key and its kid in the configuration.',
      );
    } else if (!sameRegistration(current, key)) updated.push(key.kid);
  }

  const ourKids = new Set(ours.map((key) => key.kid));
  const retired = new Set(input.retired ?? []);
  const others = registered.filter((key) => !ourKids.has(key.kid));
  const removed = others.filter((key) => input.prune || retired.has(key.kid)).map((k) => k.kid);
  const kept = others.filter((key) => !removed.includes(key.kid));
  if (added.length === 0 && updated.length === 0 && removed.length === 0) {
    return { action: 'none', kids: registered.map((key) => key.kid) };
  }

  const keys = [...ours, ...kept.map(publicJwkMembers)];
  if (keys.length > limit) {
    return refuse(
      'over_limit',
      `Digdir allows at most ${limit} keys per client; this sync would register ${keys.length} ` +
        `(${describe(input, kept)}). Nothing was changed. Sync with prune to keep only the ` +
        'active and next keys, or list keys no longer in use as retired.',
    );
  }
  return { action: 'write', keys, added, removed, updated, kept: kept.map((key) => key.kid) };
}

function checkInput(input: KeySetPlanInput): string | undefined {
  const { active, next } = input;
  const problems = [
    ...signingKeyProblems(active as unknown as Record<string, unknown>).map(
      (problem) => `active key ${active.kid}: ${problem}`,
    ),
    ...(next
      ? signingKeyProblems(next as unknown as Record<string, unknown>).map(
          (problem) => `next key ${next.kid}: ${problem}`,
        )
      : []),
  ];
  if (next && next.kid === active.kid) problems.push(`the next key has the active kid ${next.kid}`);
  for (const key of [active, next]) {
    if (key && input.retired?.includes(key.kid)) {
      problems.push(`kid ${key.kid} is listed as retired but is in use`);
    }
  }
  if (input.limit !== undefined && !(Number.isInteger(input.limit) && input.limit >= 2)) {
    problems.push('the key limit must be a whole number of at least 2');
  }
  return problems.length > 0 ? `${problems.join('; ')}.` : undefined;
}

function describe(input: KeySetPlanInput, kept: readonly RsaPublicJwk[]): string {
  const parts = [`active ${input.active.kid}`];
  if (input.next) parts.push(`next ${input.next.kid}`);
  if (kept.length > 0) parts.push(`kept ${kept.map((key) => key.kid).join(', ')}`);
  return parts.join('; ');
}

const refuse = (reason: RefusalReason, message: string): KeySetPlan => ({
  action: 'refused',
  reason,
  message,
});
