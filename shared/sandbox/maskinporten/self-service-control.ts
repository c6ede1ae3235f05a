import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { mediaType, readBody, sendJson, sendMethodNotAllowed } from '../http/http-io.js';
import { jwksView, type SelfServiceMaskinporten } from './self-service-api.js';
import { MAX_PROPAGATION_DELAY_MS } from './self-service-keys.js';
import type { SelfServiceStatsView } from './self-service-stats.js';

const settingsSchema = z.strictObject({
  propagationDelayMs: z.number().int().min(0).max(MAX_PROPAGATION_DELAY_MS),
});

export interface SelfServiceControlTargets {
  maskinporten: SelfServiceMaskinporten;
  stats: SelfServiceStatsView;
}

/**
 * Controls for the simulated self-service API, below `{base}/_control/selvbetjening`:
 * - `GET` the settings (`propagationDelayMs`); `PUT {"propagationDelayMs": n}` changes the delay
 *   for changes made from then on (0 to 600000 ms);
 * - `GET .../stats` the counters (calls, writes, refusals by status); `DELETE` resets them;
 * - `GET .../clients/{id}` a client's keys three ways: `stored` (what Digdir's GET returns),
 *   `effective` (what the token endpoint checks grants against now, with each `exp`) and
 *   `pending` (stored sets still propagating, with the time each takes effect).
 * `path` is what follows `_control/`; returns false for paths that are not these.
 */
export function handleSelfServiceControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  targets: SelfServiceControlTargets,
): boolean {
  if (path === 'selvbetjening') {
    void settings(req, res, targets.maskinporten);
    return true;
  }
  if (path === 'selvbetjening/stats') {
    stats(req, res, targets.stats);
    return true;
  }
  const match = /^selvbetjening\/clients\/([^/]+)$/.exec(path);
  if (!match) return false;
  if (req.method !== 'GET') {
    sendMethodNotAllowed(res, 'GET');
    return true;
  }
  let clientId: string;
  try {
    clientId = decodeURIComponent(match[1] as string);
  } catch {
    clientId = '';
  }
  const client = targets.maskinporten.client(clientId);
  if (!client) {
    sendJson(res, 404, { error: 'not_found', error_description: 'No such client' });
    return true;
  }
  const { selfService } = targets.maskinporten;
  sendJson(res, 200, {
    stored: jwksView(selfService.stored(clientId)),
    effective: [...client.keys.keys()].map((kid) => ({ kid, exp: client.keyExpiry.get(kid) })),
    pending: selfService.pending(clientId).map((change) => ({
      effectiveAt: new Date(change.effectiveAt).toISOString(),
      kids: change.keys.map((key) => key.jwk.kid),
    })),
  });
  return true;
}

async function settings(req: IncomingMessage, res: ServerResponse, mp: SelfServiceMaskinporten) {
  const view = () => ({ propagationDelayMs: mp.selfService.propagationDelayMs });
  if (req.method === 'GET') {
    sendJson(res, 200, view());
    return;
  }
  if (req.method !== 'PUT') {
    sendMethodNotAllowed(res, 'GET, PUT');
    return;
  }
  if (mediaType(req) !== 'application/json') {
    sendJson(res, 415, invalid('Send application/json'));
    return;
  }
  const read = await readBody(req, 4096);
  if (!read.ok) {
    sendJson(res, 400, invalid('Unreadable body'));
    return;
  }
  let parsed: ReturnType<typeof settingsSchema.safeParse>;
  try {
    parsed = settingsSchema.safeParse(JSON.parse(read.body));
  } catch {
    sendJson(res, 400, invalid('Body must be JSON'));
    return;
  }
  if (!parsed.success) {
    sendJson(res, 400, invalid(`propagationDelayMs must be 0-${MAX_PROPAGATION_DELAY_MS}`));
    return;
  }
  mp.selfService.setPropagationDelay(parsed.data.propagationDelayMs);
  sendJson(res, 200, view());
}

function stats(req: IncomingMessage, res: ServerResponse, view: SelfServiceStatsView) {
  if (req.method === 'DELETE') {
    view.reset();
    res.writeHead(204).end();
    return;
  }
  if (req.method !== 'GET') {
    sendMethodNotAllowed(res, 'GET, DELETE');
    return;
  }
  const { calls, writes, refusals, faultsApplied } = view;
  sendJson(res, 200, { calls, writes, refusals, faultsApplied });
}

const invalid = (description: string) => ({
  error: 'invalid_request',
  error_description: description,
});
