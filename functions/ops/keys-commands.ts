import { parseArgs } from 'node:util';
import { KeyRegistrationService } from '../../shared/app/key-registration.js';
import { BrokerError } from '../../shared/domain/errors.js';
import { type Clock, systemClock } from '../../shared/ports/clock.js';
import { Deadline } from '../../shared/ports/deadline.js';
import { silentLogger } from '../../shared/ports/logger.js';
import { MaskinportenAdminError } from '../../shared/ports/maskinporten-admin.js';
import { noMetrics } from '../../shared/ports/metrics.js';
import { KeysConfigError, type KeysTarget } from './keys-connect.js';
import { formatStatus, formatSync } from './keys-report.js';
import type { CliEnvironment } from './systemuser-connect.js';

export const KEYS_USAGE = `Usage: npm run keys -- <command> [--env sandbox|test|prod] [options]

Commands:
  status          The active and next key, what the Maskinporten client has registered at
                  Digdir now, each key's age and Digdir exp, whether the next key is ready to be
                  promoted (registered longer than the propagation delay, and a real token
                  request signed with it succeeded: status performs it), and the client's
                  access_token_lifetime.
  sync [--prune]  Make the registered set hold the active and the next public key; remove
                  retired kids; keep keys the configuration does not name unless --prune (then
                  exactly active + next). Never removes the active key, never registers more
                  than Digdir's 5 (refuses, changing nothing), writes nothing when nothing changes.

Options:
  --env sandbox|test|prod  Default sandbox. Configured like npm start: MASKINPORTEN_CLIENT_ID,
                           SIGNING_KEY, SIGNING_KID, SIGNING_KEY_NEXT, SIGNING_KID_NEXT and
                           MASKINPORTEN_ADMIN_URL (default: Digdir's base for test/prod).
                           sandbox: SIGNING_KEY(_NEXT) are the key files npm start runs with;
                           retired kids from SIGNING_KIDS_RETIRED. test/prod: without SIGNING_KEY
                           and SIGNING_KEY_NEXT, the environment's live KMS keys; retired kids
                           from infra/config.ts; credentials that may sign (the ops role).
  --sandbox <url>          The npm start whose sandbox plays Digdir (default http://127.0.0.1:8080).
  --json                   Print the result as JSON.

Exit codes: 0 done, 1 refused by Digdir or by a rule, 2 bad input or configuration.`;

/** A command, its Digdir and Maskinporten calls included, gives up after this long. */
export const KEYS_DEADLINE_MS = 60_000;

const ENVIRONMENTS: readonly CliEnvironment[] = ['sandbox', 'test', 'prod'];

export interface KeysCliDeps {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** Resolves `--env` (throws {@link KeysConfigError} for missing or bad configuration). */
  target(env: CliEnvironment, options: { sandboxUrl: string }): Promise<KeysTarget>;
  clock?: Clock;
}

interface Invocation {
  command: 'status' | 'sync';
  env: CliEnvironment;
  sandboxUrl: string;
  prune: boolean;
  json: boolean;
}

/** Runs one command; resolves the exit code (0 done, 1 refused, 2 bad input or configuration). */
export async function runKeys(argv: readonly string[], deps: KeysCliDeps): Promise<number> {
  let invocation: Invocation | 'help';
  try {
    invocation = parseInvocation(argv);
  } catch (error) {
    deps.stderr.write(`${(error as Error).message}\n\n${KEYS_USAGE}\n`);
    return 2;
  }
  if (invocation === 'help') {
    deps.stdout.write(`${KEYS_USAGE}\n`);
    return 0;
  }
  const clock = deps.clock ?? systemClock;
  const deadline = Deadline.after(KEYS_DEADLINE_MS, clock);
  try {
    const target = await deps.target(invocation.env, { sandboxUrl: invocation.sandboxUrl });
    const service = new KeyRegistrationService({
      admin: target.admin,
      clock,
      metrics: noMetrics,
      logger: silentLogger,
      propagationDelayMs: target.propagationDelayMs,
    });
    if (invocation.command === 'status') {
      const report = await service.status(target.keys, { verifyNext: target.verifyNext }, deadline);
      deps.stdout.write(
        invocation.json
          ? `${JSON.stringify(report, null, 2)}\n`
          : formatStatus(report, target.describe),
      );
      return 0;
    }
    const result = await service.sync(target.keys, { prune: invocation.prune }, deadline);
    const text = invocation.json
      ? `${JSON.stringify(result, null, 2)}\n`
      : formatSync(result, target.describe);
    if (result.outcome === 'refused') {
      deps.stderr.write(text);
      return result.reason === 'invalid_input' ? 2 : 1;
    }
    deps.stdout.write(text);
    return 0;
  } catch (error) {
    if (error instanceof KeysConfigError) {
      deps.stderr.write(`${error.message}\n`);
      return 2;
    }
    deps.stderr.write(`${describeFailure(error)}\n`);
    return 1;
  } finally {
    deadline.dispose();
  }
}

function parseInvocation(argv: readonly string[]): Invocation | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string', default: 'sandbox' },
      sandbox: { type: 'string', default: 'http://127.0.0.1:8080' },
      prune: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [command, ...extra] = positionals;
  if (values.help || command === 'help') return 'help';
  if (command !== 'status' && command !== 'sync') {
    throw new Error(command ? `unknown command "${command}"` : 'a command is needed');
  }
  if (extra.length > 0) throw new Error(`unexpected argument "${extra[0]}"`);
  if (values.prune && command !== 'sync') throw new Error('--prune is an option of sync');
  const env = values.env as CliEnvironment;
  if (!ENVIRONMENTS.includes(env)) {
    throw new Error(`--env must be one of ${ENVIRONMENTS.join(', ')}`);
  }
  return {
    command,
    env,
    sandboxUrl: values.sandbox as string,
    prune: values.prune as boolean,
    json: values.json as boolean,
  };
}

/** What went wrong: Digdir's status, description and correlation id; or the broker's reason. */
function describeFailure(error: unknown): string {
  if (error instanceof MaskinportenAdminError) {
    const fields = error.fieldErrors.map((field) =>
      field.field ? `${field.field}: ${field.message}` : field.message,
    );
    const correlation = error.correlationId ? ` (correlation id ${error.correlationId})` : '';
    return [`Digdir: ${error.message}${correlation}`, ...fields.map((f) => `  - ${f}`)].join('\n');
  }
  if (error instanceof BrokerError) {
    const hint =
      error.kind === 'upstream_rejected_grant'
        ? " (is the active key registered on the client? The first registration is done in Digdir's portal)"
        : '';
    return `The broker could not get its admin token (idporten:dcr.write): ${error.message}${hint}`;
  }
  return `Failed: ${error instanceof Error ? error.message : String(error)}`;
}
