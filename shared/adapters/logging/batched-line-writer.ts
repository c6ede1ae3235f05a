import { writeSync } from 'node:fs';

/**
 * A line, or what makes it: a function called once, when the line's batch is written. A logger
 * hands over the function so that formatting runs in the batch, many lines in a row, rather than
 * interleaved with request handling (in place it cost a cache hit about 7 µs of server CPU, in the
 * batch under 1 µs: README, "Benchmarks"). What it reads must not change after it is handed over.
 */
export type HeldLine = string | (() => string);

/** A destination for log lines that holds them briefly and writes them in batches. */
export interface LineWriter {
  write(line: HeldLine): void;
  /** Writes everything held, now (at exit, on a signal). */
  flushSync(): void;
}

export interface BatchedLineWriterOptions {
  /** The file descriptor to write to (default 1, stdout). */
  fd?: number;
  /** Write at once when this many lines are held (default 256: about 80 KB of audit lines). */
  maxHeldLines?: number;
  /** Flush on `process` exit (default true; tests of the writer itself turn it off). */
  flushOnExit?: boolean;
}

/**
 * Log lines held in memory and written with one `write(2)` at most {@link FLUSH_AFTER_MS} after the
 * first of them, or at once when enough are held, in the manner of pino's destination: a busy
 * server writes its audit lines in a few large writes instead of one syscall per request, and no
 * request waits for the write. A timer, not `setImmediate`: an immediate pending every turn makes
 * the event loop poll without waiting, and cost the hit path about 4 µs of CPU per request.
 *
 * Nothing is lost at exit: no write is ever in flight on another thread (each batch is written
 * synchronously), and the process's `exit` event writes what is held, which covers
 * `process.exit()`, the end of the event loop and an uncaught exception. A signal handler must
 * end with `process.exit()` (the local server's does) or call `flushSync()` itself: a signal
 * without a handler kills the process before any JavaScript runs. A full non-blocking pipe
 * (`EAGAIN`) is waited out.
 */
export function batchedLineWriter(options: BatchedLineWriterOptions = {}): LineWriter {
  const fd = options.fd ?? 1;
  const maxHeldLines = options.maxHeldLines ?? 256;
  let held: HeldLine[] = [];
  let scheduled = false;

  const flushSync = (): void => {
    if (held.length === 0) return;
    const lines = held;
    held = [];
    let text = '';
    for (const line of lines) text += typeof line === 'string' ? line : made(line);
    writeFully(fd, Buffer.from(text));
  };
  const onTurnEnd = (): void => {
    scheduled = false;
    flushSync();
  };

  if (options.flushOnExit ?? true) process.on('exit', flushSync);
  return {
    write(line) {
      held.push(line);
      if (held.length >= maxHeldLines) flushSync();
      else if (!scheduled) {
        scheduled = true;
        setTimeout(onTurnEnd, FLUSH_AFTER_MS).unref();
      }
    },
    flushSync,
  };
}

/**
 * The line a maker makes; a maker that throws (fields JSON cannot write) gives a line saying so,
 * rather than an exception in a timer that would end the process and lose the batch.
 */
function made(make: () => string): string {
  try {
    return make();
  } catch (error) {
    const reason = error instanceof Error ? error.name : typeof error;
    return `{"level":"ERROR","message":"a log line could not be written","reason":${JSON.stringify(reason)}}\n`;
  }
}

/** How long a line may wait for its batch. */
const FLUSH_AFTER_MS = 5;

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `data`, waiting out a full non-blocking pipe (EAGAIN) a millisecond at a time. */
function writeFully(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
