import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AltinnControlTargets, handleAltinnControl } from './altinn/altinn-control.js';
import type { AltinnStatsView } from './altinn/altinn-stats.js';
import { type FaultControls, faultSchema } from './faults.js';
import { readControlJson, sendJson, sendMethodNotAllowed } from './http/http-io.js';
import type { SimulatorStatsView } from './maskinporten/maskinporten-stats.js';

export interface ControlTargets {
  faults: FaultControls;
  stats: SimulatorStatsView;
  altinnStats?: AltinnStatsView;
  altinn?: AltinnControlTargets;
}

/**
 * Manual controls for a running sandbox:
 * - `POST {base}/_control/faults` with one fault as JSON queues it (201);
 * - `DELETE {base}/_control/faults` clears the queue (204); `GET` lists what is queued;
 * - `GET {base}/_control/stats` returns the counters (not the grants), the Altinn side's under
 *   `altinn` (its `calls` count every request by route, e.g.
 *   `"DELETE systemuser/request/vendor/{requestId}"`); `DELETE {base}/_control/stats` resets them;
 * - `{base}/_control/altinn/...`: the Altinn side's data (see `handleAltinnControl`).
 * Returns false for other paths.
 */
export function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  targets: ControlTargets,
): boolean {
  if (path === 'faults') {
    void faults(req, res, targets.faults);
    return true;
  }
  if (path === 'stats') {
    stats(req, res, targets.stats, targets.altinnStats);
    return true;
  }
  if (targets.altinn && path.startsWith('altinn/')) {
    return handleAltinnControl(req, res, path.slice('altinn/'.length), targets.altinn);
  }
  return false;
}

async function faults(req: IncomingMessage, res: ServerResponse, controls: FaultControls) {
  if (req.method === 'DELETE') {
    controls.clear();
    res.writeHead(204).end();
    return;
  }
  if (req.method === 'GET') {
    sendJson(res, 200, { pending: controls.pending() });
    return;
  }
  if (req.method !== 'POST') {
    sendMethodNotAllowed(res, 'GET, POST, DELETE');
    return;
  }
  const json = await readControlJson(req, res);
  if (!json.ok) return;
  const parsed = faultSchema.safeParse(json.value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(fault)'}: ${i.message}`);
    sendJson(res, 400, { error: 'invalid_request', error_description: issues.join('; ') });
    return;
  }
  controls.enqueue(parsed.data);
  sendJson(res, 201, { pending: controls.pending() });
}

function stats(
  req: IncomingMessage,
  res: ServerResponse,
  view: SimulatorStatsView,
  altinn?: AltinnStatsView,
) {
  if (req.method === 'DELETE') {
    view.reset();
    altinn?.reset();
    res.writeHead(204).end();
    return;
  }
  if (req.method !== 'GET') {
    sendMethodNotAllowed(res, 'GET, DELETE');
    return;
  }
  const { tokenRequests, tokensIssued, rejections, metadataRequests, jwksRequests } = view;
  sendJson(res, 200, {
    tokenRequests,
    tokensIssued,
    rejections,
    metadataRequests,
    jwksRequests,
    faultsApplied: view.faultsApplied,
    ...(altinn
      ? {
          altinn: {
            calls: altinn.calls,
            problems: altinn.problems,
            tokensExchanged: altinn.tokensExchanged,
            decisions: altinn.decisions,
            changeDecisions: altinn.changeDecisions,
            faultsApplied: altinn.faultsApplied,
          },
        }
      : {}),
  });
}
