import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { readControlJson, sendJson, sendMethodNotAllowed } from '../http/http-io.js';
import type { AltinnRegistry } from './altinn-registry.js';
import type { AltinnSimulator } from './altinn-simulator.js';
import { isTimedOut } from './requests/request-model.js';

export interface AltinnControlTargets {
  simulator: AltinnSimulator;
  registry: AltinnRegistry;
}

const STATUSES = ['New', 'Accepted', 'Rejected', 'Denied', 'Timedout'] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const requestChange = z
  .strictObject({
    /** Moves `created` to this many days before now (e.g. 181: past the 180-day flag). */
    ageDays: z.number().min(0).max(36_500).optional(),
    /** Writes a stored status, e.g. the legacy `Timedout`. */
    status: z.enum(STATUSES).optional(),
  })
  .refine((change) => change.ageDays !== undefined || change.status !== undefined, {
    message: 'give ageDays or status',
  });

const organisation = z.strictObject({
  orgNo: z.string().regex(/^\d{9}$/),
  name: z.string().min(1).max(200).optional(),
});

/**
 * The Altinn side's test controls under `{base}/_control/altinn/`:
 * - `GET requests`: every system-user request ever stored, soft-deleted ones included
 *   (`isDeleted`), with `timedOut` as of now, so a test can see that a request is gone;
 * - `POST requests/{id}` `{ageDays?, status?}`: time travel for one live request (`ageDays: 181`
 *   makes it older than 180 days without moving the clock) and writing a stored status (the
 *   legacy `Timedout`, or `Denied`); answers the request as GET by id shows it, 404 if none;
 * - `GET changerequests`: every change request stored, deleted ones included;
 * - `GET organisations`, `POST organisations` `{orgNo, name?}`: the Entity Register (201).
 */
export function handleAltinnControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  targets: AltinnControlTargets,
): boolean {
  if (path === 'requests') {
    if (req.method !== 'GET') sendMethodNotAllowed(res, 'GET');
    else sendJson(res, 200, { requests: requestSnapshot(targets.simulator) });
    return true;
  }
  if (path === 'changerequests') {
    if (req.method !== 'GET') sendMethodNotAllowed(res, 'GET');
    else sendJson(res, 200, { changeRequests: targets.simulator.changeRequests.snapshot() });
    return true;
  }
  const id = /^requests\/([^/]+)$/.exec(path)?.[1];
  if (id !== undefined) {
    void changeRequest(req, res, id, targets.simulator);
    return true;
  }
  if (path === 'organisations') {
    void organisations(req, res, targets.registry);
    return true;
  }
  return false;
}

function requestSnapshot(simulator: AltinnSimulator) {
  const now = simulator.now();
  return simulator.requests.snapshot().map((record) => ({
    ...record,
    timedOut: isTimedOut(record, now),
  }));
}

async function changeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  simulator: AltinnSimulator,
) {
  if (req.method !== 'POST') {
    sendMethodNotAllowed(res, 'POST');
    return;
  }
  const json = await readControlJson(req, res);
  if (!json.ok) return;
  const parsed = requestChange.safeParse(json.value);
  if (!parsed.success) {
    sendJson(res, 400, invalid(parsed.error.issues.map((i) => i.message).join('; ')));
    return;
  }
  if (!GUID.test(id) || !simulator.requests.get(id.toLowerCase())) {
    sendJson(res, 404, { error: 'not_found', error_description: 'No live request with that id' });
    return;
  }
  const live = id.toLowerCase();
  if (parsed.data.status !== undefined) simulator.setRequestStatus(live, parsed.data.status);
  if (parsed.data.ageDays !== undefined) simulator.ageRequest(live, parsed.data.ageDays);
  sendJson(res, 200, simulator.getRequest(live));
}

async function organisations(req: IncomingMessage, res: ServerResponse, registry: AltinnRegistry) {
  if (req.method === 'GET') {
    sendJson(res, 200, registry.entityRegister.snapshot());
    return;
  }
  if (req.method !== 'POST') {
    sendMethodNotAllowed(res, 'GET, POST');
    return;
  }
  const json = await readControlJson(req, res);
  if (!json.ok) return;
  const parsed = organisation.safeParse(json.value);
  if (!parsed.success) {
    sendJson(res, 400, invalid('give {orgNo: "<9 digits>", name?}'));
    return;
  }
  try {
    sendJson(res, 201, registry.entityRegister.add(parsed.data.orgNo, parsed.data.name));
  } catch (error) {
    sendJson(res, 400, invalid(error instanceof Error ? error.message : 'invalid organisation'));
  }
}

const invalid = (description: string) => ({
  error: 'invalid_request',
  error_description: description,
});
