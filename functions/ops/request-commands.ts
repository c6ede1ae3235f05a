import { SystemUserService } from '../../shared/app/system-user-service.js';
import { requireRequestId } from '../../shared/domain/system-user-request.js';
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
  const systemUsers = await systemUserService(target);
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

function requiredId(invocation: Invocation): string {
  if (!invocation.id) throw new UsageError(`request ${invocation.action} needs --id <request id>`);
  try {
    return requireRequestId(invocation.id);
  } catch {
    throw new UsageError('--id must be a UUID');
  }
}

async function systemUserService(target: CliTarget): Promise<SystemUserService> {
  if (!target.systemId) throw new UsageError('no system configured: set ALTINN_SYSTEM_ID');
  return new SystemUserService({ altinn: await target.open(), systemId: target.systemId });
}
