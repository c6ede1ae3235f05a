/** A body read in progress, as the watch holds it. */
export interface WatchedRead {
  readonly startedAt: number;
}

/** Starts and ends the watch of one body read. */
export interface BodyWatch {
  /** Watches a read from now on; `expire` runs once, if it is still watched `timeoutMs` later. */
  start(expire: () => void): WatchedRead;
  /** The read is over (its body came, or it broke off): it is no longer watched. */
  end(read: WatchedRead): void;
}

interface Entry extends WatchedRead {
  expire: (() => void) | undefined;
  previous: Entry | undefined;
  next: Entry | undefined;
}

/**
 * Times body reads with one sweep per listener instead of a timer per request. A token request is
 * answered in well under a millisecond, and a timer made and cleared for each (with its ref and
 * unref calls into libuv) cost a cache hit about as much as validating it. The reads are a list
 * in the order they started, so starting and ending one is a link and an unlink, and a sweep
 * stops at the first read that still has time. A read expires between `timeoutMs` and a quarter
 * of it later; the sweep runs only while a read is watched and never keeps the process alive.
 */
export function createBodyWatch(timeoutMs: number, now: () => number = Date.now): BodyWatch {
  let oldest: Entry | undefined;
  let newest: Entry | undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;

  const unlink = (entry: Entry) => {
    if (entry.previous) entry.previous.next = entry.next;
    else oldest = entry.next;
    if (entry.next) entry.next.previous = entry.previous;
    else newest = entry.previous;
    entry.previous = undefined;
    entry.next = undefined;
    entry.expire = undefined;
  };

  const sweep = () => {
    const cutoff = now() - timeoutMs;
    while (oldest && oldest.startedAt <= cutoff) {
      const { expire } = oldest;
      unlink(oldest);
      expire?.();
    }
    if (!oldest) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  return {
    start(expire) {
      const entry: Entry = { startedAt: now(), expire, previous: newest, next: undefined };
      if (newest) newest.next = entry;
      else oldest = entry;
      newest = entry;
      if (sweeper === undefined) {
        sweeper = setInterval(sweep, Math.max(1, Math.ceil(timeoutMs / 4)));
        sweeper.unref();
      }
      return entry;
    },
    end(read) {
      const entry = read as Entry;
      // Ended already (or expired): nothing is linked.
      if (entry.expire === undefined) return;
      unlink(entry);
    },
  };
}
