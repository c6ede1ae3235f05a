import type { KeyStatusReport, KeySyncResult } from '../../shared/app/key-registration.js';
import type { KeyState } from '../../shared/domain/key-status.js';

const DAY_MS = 86_400_000;

/** `keys status` as text: one line per key, then what is registered, the lifetime and warnings. */
export function formatStatus(report: KeyStatusReport, describe: string): string {
  const { status } = report;
  const lines = [`Keys of ${describe}`];
  lines.push(`  active   ${keyLine(status.active)}`);
  if (status.next) {
    const { promotion } = status.next;
    lines.push(`  next     ${keyLine(status.next)}`);
    if (report.nextVerification) {
      const { ok, detail } = report.nextVerification;
      lines.push(
        `           a token request signed with it ${ok ? 'succeeded' : `failed: ${detail ?? 'no detail'}`}`,
      );
    }
    lines.push(
      promotion.ready
        ? '           ready: it may be promoted to active'
        : `           not ready: ${promotion.reasons.join('; ')}`,
    );
  } else {
    lines.push('  next     none configured');
  }
  for (const key of status.retired) lines.push(`  retired  ${keyLine(key)}`);
  for (const key of status.others) {
    lines.push(`  other    ${keyLine(key)} (kept by sync, removed by sync --prune)`);
  }
  const kids = report.registered.map((key) => key.jwk.kid);
  lines.push(
    `Registered at Digdir now: ${kids.length} of ${status.limit}${kids.length > 0 ? ` (${kids.join(', ')})` : ''}`,
  );
  lines.push(
    report.accessTokenLifetimeSeconds === undefined
      ? `Token lifetime (access_token_lifetime): not shown; ${report.lifetimeNote ?? 'unknown'}`
      : `Token lifetime (access_token_lifetime): ${report.accessTokenLifetimeSeconds} s`,
  );
  if (status.warnings.length > 0) {
    lines.push('Warnings:', ...status.warnings.map((warning) => `  - ${warning}`));
  }
  return `${lines.join('\n')}\n`;
}

function keyLine(key: KeyState): string {
  const parts = [key.kid];
  if (key.registration === 'not_registered') parts.push('not registered');
  else if (key.registration === 'different_key') {
    parts.push('REGISTERED WITH ANOTHER PUBLIC KEY');
  } else parts.push('registered');
  if (key.ageMs !== undefined) parts.push(`${age(key.ageMs)} ago`);
  if (key.expiresAt !== undefined && key.expiresInMs !== undefined) {
    const date = new Date(key.expiresAt).toISOString().slice(0, 10);
    parts.push(
      key.expired
        ? `Digdir exp ${date}: EXPIRED`
        : `Digdir exp ${date} (in ${Math.floor(key.expiresInMs / DAY_MS)} d)`,
    );
  }
  return parts.join(', ');
}

function age(ms: number): string {
  if (ms < 120_000) return `${Math.max(0, Math.floor(ms / 1000))} s`;
  if (ms < 2 * 3_600_000) return `${Math.floor(ms / 60_000)} min`;
  if (ms < 2 * DAY_MS) return `${Math.floor(ms / 3_600_000)} h`;
  return `${Math.floor(ms / DAY_MS)} d`;
}

/** `keys sync` as text. */
export function formatSync(result: KeySyncResult, describe: string): string {
  switch (result.outcome) {
    case 'unchanged':
      return `Nothing to change for ${describe}: registered ${list(result.registered)}.\n`;
    case 'written': {
      const changes = [
        result.added.length > 0 && `added ${list(result.added)}`,
        result.updated.length > 0 && `updated alg/use of ${list(result.updated)}`,
        result.removed.length > 0 && `removed ${list(result.removed)}`,
        result.kept.length > 0 && `kept keys the configuration does not name: ${list(result.kept)}`,
      ].filter(Boolean);
      return `Replaced the key set of ${describe}: ${changes.join('; ')}. Registered now: ${list(result.registered)}.\nThe change reaches Maskinporten within the propagation delay: run status before you promote a key.\n`;
    }
    case 'refused':
      return `Refused, nothing was changed: ${result.message}\n`;
  }
}

const list = (kids: readonly string[]) => (kids.length > 0 ? kids.join(', ') : 'none');
