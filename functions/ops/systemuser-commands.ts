import { parseArgs } from 'node:util';
import { parseJsonText } from '../../shared/adapters/altinn/altinn-json.js';
import { BrokerError } from '../../shared/domain/errors.js';
import { checkSystemRegistration } from '../../shared/domain/system-register.js';
import { AltinnError, type AltinnVendorApi } from '../../shared/ports/altinn.js';
import { Deadline } from '../../shared/ports/deadline.js';
import { changeCommand, requestCommand } from './onboarding-commands.js';
import type { CliEnvironment, CliTarget } from './systemuser-connect.js';
import { UsageError } from './usage-error.js';

export const USAGE = `Usage: npm run systemuser -- <command> [--env sandbox|test|prod] [options]

Commands:
  register --file <system.json>   Check the system against Altinn's rules, then create it in
                                  Altinn's system register (POST) or, if it exists, replace it (PUT).
  get [--id <systemId>]           Print one system (default: the broker's configured system).
  list                            Print the vendor's systems.
  request get --id <id>           Print a system-user request of the broker's system.
  request delete --id <id>        Delete it at Altinn; one already gone (404) counts as done.
  change create --org <orgno> [--external-ref <ref>] [--require-right <resource id>]...
         [--unwant-right <resource id>]... [--require-package <urn>]... [--unwant-package <urn>]...
         [--redirect-url <https url>]
                                  Ask the customer to change its standard system user's rights
                                  and access packages; prints the change request and its confirmUrl.
                                  The same change again answers the same change request.
  change get --id <id>            Print a change request of the broker's system.
  change list --org <orgno> [--external-ref <ref>]
                                  Print the system user's change requests.
  change delete --id <id>         Delete it at Altinn; one already gone (404) counts as done.

Options:
  --env sandbox|test|prod   Default sandbox: a running local broker (npm start) and its simulated
                            Altinn. test/prod use MASKINPORTEN_CLIENT_ID, SIGNING_KEY (and
                            SIGNING_KID) with that environment's Maskinporten and Altinn.
  --broker <url>            The local broker for --env sandbox (default http://127.0.0.1:8080).

Exit codes: 0 done, 1 Altinn (or the broker) refused, 2 bad input.`;

/** A command, all its Altinn calls included, gives up after this long. */
export const COMMAND_DEADLINE_MS = 60_000;

const ENVIRONMENTS: readonly CliEnvironment[] = ['sandbox', 'test', 'prod'];

export interface SystemUserCliDeps {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  readFile(path: string): Promise<string>;
  /** Resolves `--env` (throws an Error for missing configuration). */
  target(env: CliEnvironment, options: { brokerUrl: string }): CliTarget;
}

/** The top-level commands; `request` (and `change`) take an action after them. */
const COMMANDS = ['register', 'get', 'list', 'request', 'change'] as const;

export interface Invocation {
  command: (typeof COMMANDS)[number];
  /** `get`, `delete`... after `request`. */
  action?: string;
  env: CliEnvironment;
  brokerUrl: string;
  file?: string;
  id?: string;
  org?: string;
  externalRef?: string;
  requireRight: string[];
  unwantRight: string[];
  requirePackage: string[];
  unwantPackage: string[];
  redirectUrl?: string;
}

/** Runs one command; resolves the exit code (0 ok, 1 Altinn refused, 2 bad input). */
export async function run(argv: readonly string[], deps: SystemUserCliDeps): Promise<number> {
  let invocation: Invocation | 'help';
  let target: CliTarget;
  try {
    invocation = parseInvocation(argv);
    if (invocation === 'help') {
      deps.stdout.write(`${USAGE}\n`);
      return 0;
    }
    target = deps.target(invocation.env, { brokerUrl: invocation.brokerUrl });
  } catch (error) {
    deps.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const deadline = Deadline.after(COMMAND_DEADLINE_MS);
  try {
    switch (invocation.command) {
      case 'register':
        return await register(invocation, target, deps, deadline);
      case 'get':
        return await get(invocation, target, deps, deadline);
      case 'list':
        return await list(target, deps, deadline);
      case 'request':
        return await requestCommand(invocation, target, deps, deadline);
      case 'change':
        return await changeCommand(invocation, target, deps, deadline);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      deps.stderr.write(`${error.message}\n`);
      return 2;
    }
    deps.stderr.write(`${describeFailure(error)}\n`);
    return 1;
  } finally {
    deadline.dispose();
  }
}

async function register(
  invocation: Invocation,
  target: CliTarget,
  deps: SystemUserCliDeps,
  deadline: Deadline,
): Promise<number> {
  const path = invocation.file;
  if (!path) throw new UsageError('register needs --file <system.json>');
  let text: string;
  try {
    text = await deps.readFile(path);
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const document = parseJsonText(text);
  if (document === undefined) throw new UsageError(`${path} is not valid JSON`);
  const { system, problems } = checkSystemRegistration(document, {
    clientId: target.clientId,
    vendorOrgNo: target.vendorOrgNo,
  });
  if (problems.length > 0) {
    deps.stderr.write(
      `${path} would be refused (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`,
    );
    for (const problem of problems) deps.stderr.write(`  - ${problem}\n`);
    return 2;
  }
  const id = system['id'] as string;
  deps.stdout.write(`Checked ${path}: system ${id}. Talking to ${target.describe}\n`);
  const altinn = await target.open();
  const existing = await altinn.getSystem(id, deadline);
  if (existing === undefined) {
    const internalId = await altinn.createSystem(system, deadline);
    deps.stdout.write(`Created system ${id} (Altinn's internal id ${internalId}).\n`);
  } else {
    const answer = await altinn.updateSystem(id, system, deadline);
    deps.stdout.write(`Updated system ${id}; Altinn answered: ${JSON.stringify(answer ?? null)}\n`);
  }
  await printSystem(altinn, id, deps, deadline);
  return 0;
}

async function get(
  invocation: Invocation,
  target: CliTarget,
  deps: SystemUserCliDeps,
  deadline: Deadline,
): Promise<number> {
  const id = invocation.id ?? target.systemId;
  if (!id) throw new UsageError('get needs --id <systemId> (or ALTINN_SYSTEM_ID)');
  const altinn = await target.open();
  if (!(await printSystem(altinn, id, deps, deadline))) {
    deps.stderr.write(`Altinn has no system ${id} for this vendor (${target.describe}).\n`);
    return 1;
  }
  return 0;
}

async function list(
  target: CliTarget,
  deps: SystemUserCliDeps,
  deadline: Deadline,
): Promise<number> {
  const altinn = await target.open();
  deps.stdout.write(`${JSON.stringify(await altinn.listSystems(deadline), null, 2)}\n`);
  return 0;
}

async function printSystem(
  altinn: AltinnVendorApi,
  id: string,
  deps: SystemUserCliDeps,
  deadline: Deadline,
): Promise<boolean> {
  const system = await altinn.getSystem(id, deadline);
  if (system === undefined) return false;
  deps.stdout.write(`${JSON.stringify(system, null, 2)}\n`);
  return true;
}

function parseInvocation(argv: readonly string[]): Invocation | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string', default: 'sandbox' },
      file: { type: 'string' },
      id: { type: 'string' },
      org: { type: 'string' },
      'external-ref': { type: 'string' },
      'require-right': { type: 'string', multiple: true },
      'unwant-right': { type: 'string', multiple: true },
      'require-package': { type: 'string', multiple: true },
      'unwant-package': { type: 'string', multiple: true },
      'redirect-url': { type: 'string' },
      broker: { type: 'string', default: 'http://127.0.0.1:8080' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') return 'help';
  if (!isCommand(command)) {
    throw new Error(command ? `unknown command "${command}"` : 'a command is needed');
  }
  const takesAction = command === 'request' || command === 'change';
  const [action, ...extra] = takesAction ? rest : [undefined, ...rest];
  if (takesAction && action === undefined) throw new Error(`${command} needs an action`);
  if (extra.length > 0) throw new Error(`unexpected argument "${extra[0]}"`);
  const env = values.env as CliEnvironment;
  if (!ENVIRONMENTS.includes(env))
    throw new Error(`--env must be one of ${ENVIRONMENTS.join(', ')}`);
  return {
    command,
    action,
    env,
    brokerUrl: values.broker as string,
    file: values.file,
    id: values.id,
    org: values.org,
    externalRef: values['external-ref'],
    requireRight: values['require-right'] ?? [],
    unwantRight: values['unwant-right'] ?? [],
    requirePackage: values['require-package'] ?? [],
    unwantPackage: values['unwant-package'] ?? [],
    redirectUrl: values['redirect-url'],
  };
}

function isCommand(value: string | undefined): value is Invocation['command'] {
  return (COMMANDS as readonly (string | undefined)[]).includes(value);
}

/** What went wrong, in words; Altinn's code, message and validation errors when it answered. */
export function describeFailure(error: unknown): string {
  if (error instanceof AltinnError) {
    const status = error.status === undefined ? '' : ` (HTTP ${error.status})`;
    const said = [error.code, error.description].filter(Boolean).join(' ');
    return `Altinn refused${status}: ${said || error.message}`;
  }
  if (error instanceof BrokerError) return `The broker could not do it: ${error.message}`;
  return `Failed: ${error instanceof Error ? error.message : String(error)}`;
}
