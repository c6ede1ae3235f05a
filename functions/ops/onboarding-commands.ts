import { ChangeRequestService } from '../../shared/app/change-request-service.js';
import { SystemUserService } from '../../shared/app/system-user-service.js';
import {
  type ChangeRequestInput,
  parseChangeRequestInput,
} from '../../shared/domain/change-request.js';
import { BrokerError } from '../../shared/domain/errors.js';
import { parseSystemUserQuery, requireRequestId } from '../../shared/domain/system-user-request.js';
import { toChangeRequestView } from '../../shared/http/change-request-views.js';
import { toRequestView } from '../../shared/http/system-user-views.js';
import type { Deadline } from '../../shared/ports/deadline.js';
import type { Invocation, SystemUserCliDeps } from './systemuser-commands.js';
import type { CliTarget } from './systemuser-connect.js';
import { UsageError } from './usage-error.js';

/**
 * `request get|delete --id <id>`: a system-user request of the broker's system, through the same
 * use case the HTTP API runs (only the broker's own system's requests, never another's DELETE).
 * A request already gone counts as deleted: Altinn answers a DELETE retried after a lost answer
 * with 404 AUTH-00010 (reference §3.5).
 */
export async function requestCommand(
  invocation: Invocation,
  target: CliTarget,
  deps: SystemUserCliDeps,
  deadline: Deadline,
): Promise<number> {
  if (invocation.action !== 'get' && invocation.action !== 'delete') {
    throw new UsageError(`request takes get or delete, not "${invocation.action}"`);
  }
  const id = requiredId(invocation);
  const { systemUsers } = await services(target);
  const found = await systemUsers.lookupRequest(id, undefined, deadline);
  switch (invocation.action) {
    case 'get':
      if ('missing' in found) {
        deps.stderr.write(
          `No system-user request ${id} for ${systemUsers.systemId} (${found.missing}).\n`,
        );
        return 1;
      }
      deps.stdout.write(`${JSON.stringify(toRequestView(found.request, found.type), null, 2)}\n`);
      return 0;
    case 'delete':
      if ('missing' in found || !(await systemUsers.deleteRequest(found, deadline))) {
        deps.stdout.write(
          `No system-user request ${id} for ${systemUsers.systemId} at Altinn: nothing to delete (already deleted, or never this system's).\n`,
        );
        return 0;
      }
      deps.stdout.write(`Deleted system-user request ${id}.\n`);
      return 0;
  }
}

/**
 * `change create|get|list|delete`: change requests through the same use case the HTTP API runs
 * (the correlation id derived from the change, so the same change answers the same change
 * request; only the broker's own system's, never another's DELETE; a 404 on delete is done).
 */
export async function changeCommand(
  invocation: Invocation,
  target: CliTarget,
  deps: SystemUserCliDeps,
  deadline: Deadline,
): Promise<number> {
  const print = (value: unknown) => deps.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  switch (invocation.action) {
    case 'create': {
      const input = changeInput(invocation);
      const { changes } = await services(target);
      const answer = await changes.create(input, deadline);
      const view = toChangeRequestView(answer.changeRequest);
      const said = answer.created
        ? `Created change request ${view.id}: send the confirmUrl to the customer.`
        : `Altinn already has this change request (${view.status}): ${view.id}.`;
      deps.stderr.write(`${said}\n`);
      print(view);
      return 0;
    }
    case 'list': {
      const params = new URLSearchParams();
      if (invocation.org !== undefined) params.set('org', invocation.org);
      if (invocation.externalRef !== undefined) params.set('externalRef', invocation.externalRef);
      const query = usage(() => parseSystemUserQuery(params, { allowType: false }));
      const { changes } = await services(target);
      const found = await changes.list(query, deadline);
      print({
        changeRequests: found.changeRequests.map(toChangeRequestView),
        complete: found.complete,
      });
      return 0;
    }
    case 'get':
    case 'delete': {
      const id = requiredId(invocation);
      const { changes } = await services(target);
      const found = await changes.lookup(id, deadline);
      if (invocation.action === 'get') {
        if ('missing' in found) {
          deps.stderr.write(`No change request ${id} for ${target.systemId} (${found.missing}).\n`);
          return 1;
        }
        print(toChangeRequestView(found));
        return 0;
      }
      if ('missing' in found || !(await changes.delete(found, deadline))) {
        deps.stdout.write(
          `No change request ${id} for ${target.systemId} at Altinn: nothing to delete (already deleted, or never this system's).\n`,
        );
        return 0;
      }
      deps.stdout.write(`Deleted change request ${id}.\n`);
      return 0;
    }
    default:
      throw new UsageError(`change takes create, get, list or delete, not "${invocation.action}"`);
  }
}

/** The `change create` options as the HTTP API's body, checked by the same rules. */
function changeInput(invocation: Invocation): ChangeRequestInput {
  if (!invocation.org) throw new UsageError('change create needs --org <orgno>');
  return usage(() =>
    parseChangeRequestInput(
      definedOnly({
        org: invocation.org,
        externalRef: invocation.externalRef,
        requiredRights: invocation.requireRight,
        unwantedRights: invocation.unwantRight,
        requiredAccessPackages: invocation.requirePackage,
        unwantedAccessPackages: invocation.unwantPackage,
        redirectUrl: invocation.redirectUrl,
      }),
    ),
  );
}

/** The broker's own input rules, with a refusal as a usage error (exit code 2). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof BrokerError && error.kind === 'invalid_request') {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

function definedOnly(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function requiredId(invocation: Invocation): string {
  if (!invocation.id) {
    throw new UsageError(`${invocation.command} ${invocation.action} needs --id <id>`);
  }
  try {
    return requireRequestId(invocation.id);
  } catch {
    throw new UsageError('--id must be a UUID');
  }
}

/** The use cases the HTTP API runs, on the target's Altinn client and the broker's system. */
async function services(target: CliTarget) {
  if (!target.systemId) throw new UsageError('no system configured: set ALTINN_SYSTEM_ID');
  const altinn = await target.open();
  const systemUsers = new SystemUserService({ altinn, systemId: target.systemId });
  return { systemUsers, changes: new ChangeRequestService({ altinn, systemUsers }) };
}
