import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBodyWatch } from '../../../../shared/adapters/http/body-watch.js';

describe('createBodyWatch: one sweep times every body read', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires a read still watched after the timeout, not before, and only once', () => {
    const watch = createBodyWatch(400);
    const expire = vi.fn();
    watch.start(expire);

    vi.advanceTimersByTime(399);
    expect(expire).not.toHaveBeenCalled();
    // The sweep runs every quarter of the timeout: the read expires within that after it.
    vi.advanceTimersByTime(100);
    expect(expire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5_000);
    expect(expire).toHaveBeenCalledTimes(1);
  });

  it('never expires a read that ended, and ending it twice (or after it expired) does nothing', () => {
    const watch = createBodyWatch(400);
    const ended = vi.fn();
    const late = vi.fn();
    const read = watch.start(ended);
    const lateRead = watch.start(late);
    watch.end(read);
    watch.end(read);

    vi.advanceTimersByTime(1_000);
    expect(ended).not.toHaveBeenCalled();
    expect(late).toHaveBeenCalledTimes(1);
    watch.end(lateRead);
  });

  it('keeps no timer while nothing is watched, and starts one again for the next read', () => {
    const watch = createBodyWatch(400);
    const read = watch.start(() => {});
    expect(vi.getTimerCount()).toBe(1);
    watch.end(read);
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(0);

    const expire = vi.fn();
    watch.start(expire);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(500);
    expect(expire).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('expires exactly the reads not ended, oldest first, whatever order the others end in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 150 }), ends: fc.boolean() }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.func(fc.integer()),
        (reads, endOrder) => {
          vi.useFakeTimers();
          const watch = createBodyWatch(400);
          const expired: number[] = [];
          const started = reads.map((read, index) => {
            vi.advanceTimersByTime(read.gapMs);
            return { ...read, index, handle: watch.start(() => expired.push(index)) };
          });
          // End in an order of fast-check's choosing (first, middle, last of the list).
          const toEnd = started.filter((read) => read.ends && !expired.includes(read.index));
          toEnd.sort((a, b) => endOrder(a.index) - endOrder(b.index));
          for (const read of toEnd) watch.end(read.handle);

          vi.advanceTimersByTime(1_000);
          const ended = new Set(toEnd.map((read) => read.index));
          const expected = started.map((read) => read.index).filter((index) => !ended.has(index));
          expect(expired).toEqual(expected);
          expect(vi.getTimerCount()).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
