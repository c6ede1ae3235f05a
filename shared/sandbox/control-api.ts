import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AltinnStatsView } from './altinn/altinn-stats.js';
import { type FaultControls, faultSchema } from './faults.js';
import {
  mediaType,
  readBody,
  sendJson,
  sendMethodNotAllowed,
  sendTooLarge,
} from './http/http-io.js';
import type { SimulatorStatsView } from './maskinporten/maskinporten-stats.js';

const CONTROL_BODY_LIMIT_BYTES = 96 * 1024;

export interface ControlTargets {
  faults: FaultControls;
  stats: SimulatorStatsView;
  altinnStats?: AltinnStatsView;
}

/**
 * Manual controls for a running sandbox:
 * - `POST {base}/_control/faults` with one fault as JSON queues it (201);
 * - `DELETE {base}/_control/faults` clears the queue (204); `GET` lists what is queued;
 * - `GET {base}/_control/stats` returns the counters (not the grants), the Altinn side's under
 *   `altinn`; `DELETE {base}/_control/stats` resets them all.
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
  if (mediaType(req) !== 'application/json') {
    sendJson(res, 415, { error: 'invalid_request', error_description: 'Send application/json' });
    return;
  }
  const read = await readBody(req, CONTROL_BODY_LIMIT_BYTES);
  if (!read.ok) {
    if (read.reason === 'too_large') sendTooLarge(res, 'invalid_request');
    else if (read.reason === 'invalid_utf8') sendJson(res, 400, invalid('Body must be UTF-8'));
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(read.body);
  } catch {
    sendJson(res, 400, invalid('Body must be JSON'));
    return;
  }
  const parsed = faultSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(fault)'}: ${i.message}`);
    sendJson(res, 400, invalid(issues.join('; ')));
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
            faultsApplied: altinn.faultsApplied,
          },
        }
      : {}),
  });
}

const invalid = (description: string) => ({
  error: 'invalid_request',
  error_description: description,
});
