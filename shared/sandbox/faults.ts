import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: header values must not carry them
const HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const MAX_DELAY_MS = 10 * 60_000;

/**
 * One injected failure; `times` (default 1) says how many matching requests it hits. Endpoints:
 * Maskinporten's `token`, `metadata` and `jwk`; `altinn` = any request under the Altinn platform
 * path (`{base}/altinn/...`, the exchange included); `exchange` = only
 * `GET .../exchange/{provider}`, taken before an `altinn` fault; `selvbetjening` = any request to
 * the simulated self-service API. The approval pages take none.
 */
export const faultSchema = z
  .strictObject({
    endpoint: z.enum(['token', 'metadata', 'jwk', 'altinn', 'exchange', 'selvbetjening']),
    times: z.number().int().min(1).max(10_000).optional(),
    status: z.number().int().min(200).max(599).optional(),
    body: z
      .string()
      .max(64 * 1024)
      .optional(),
    contentType: z.string().regex(HEADER_VALUE).max(200).optional(),
    headers: z.record(z.string().regex(HEADER_NAME), z.string().regex(HEADER_VALUE)).optional(),
    delayMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
    /** Destroy the socket without answering. */
    drop: z.boolean().optional(),
    /** Never answer; the client has to give up. */
    hang: z.boolean().optional(),
  })
  .refine((fault) => !(fault.drop && fault.hang), { message: 'drop and hang are exclusive' });

export type Fault = z.input<typeof faultSchema>;
export type FaultEndpoint = Fault['endpoint'];

interface QueuedFault {
  fault: Fault;
  remaining: number;
}

/** Control surface for tests: `sandbox.faults` (also reachable as `sandbox.maskinporten.faults`). */
export interface FaultControls {
  /** Validates and queues a fault; throws on an invalid one. */
  enqueue(fault: Fault): void;
  clear(): void;
  /** Faults still queued (their remaining hits), oldest first. */
  pending(): readonly Fault[];
}

/** Faults are taken first-in, first-out per endpoint, each used up after `times` hits. */
export class FaultQueue implements FaultControls {
  #queue: QueuedFault[] = [];

  enqueue(fault: Fault): void {
    const parsed = faultSchema.parse(fault);
    this.#queue.push({ fault: parsed, remaining: parsed.times ?? 1 });
  }

  clear(): void {
    this.#queue = [];
  }

  pending(): readonly Fault[] {
    return this.#queue.map(({ fault, remaining }) => ({ ...fault, times: remaining }));
  }

  /** The next fault for `endpoint`, counting one hit against it. */
  take(endpoint: FaultEndpoint): Fault | undefined {
    const index = this.#queue.findIndex((queued) => queued.fault.endpoint === endpoint);
    const queued = this.#queue[index];
    if (!queued) return undefined;
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.#queue.splice(index, 1);
    return queued.fault;
  }
}

/** True if the fault replaces the real answer; a fault with only `delayMs` just delays it. */
export const faultAnswers = (fault: Fault) =>
  fault.drop === true ||
  fault.hang === true ||
  fault.status !== undefined ||
  fault.body !== undefined;

const DEFAULT_FAULT_BODY = JSON.stringify({
  error: 'server_error',
  error_description: 'Injected fault (sandbox)',
});

/**
 * Waits `delayMs`, then drops, hangs or answers as the fault says. Resolves `true` once the fault
 * has dealt with the request, `false` if the caller should answer normally. A client that goes
 * away during the delay ends the wait early.
 */
export async function applyFault(
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  if (fault.delayMs) await delay(fault.delayMs, res);
  if (res.destroyed || res.writableEnded) return true;
  if (fault.hang) {
    // Keep reading so the client's body does not stall the socket; never answer.
    req.resume();
    return true;
  }
  if (fault.drop) {
    req.socket.destroy();
    return true;
  }
  if (!faultAnswers(fault)) return false;
  const body = fault.body ?? DEFAULT_FAULT_BODY;
  res.writeHead(fault.status ?? 500, {
    ...fault.headers,
    'content-type': fault.contentType ?? 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
  return true;
}

function delay(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on('close', done);
  });
}
