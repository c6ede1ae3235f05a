import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadline, sleep, untilAborted } from '../../../shared/ports/deadline.js';

// On a virtual clock: `Date.now` and `setTimeout` both move only when the test says so.
const clock = () => Date.now();

describe('Deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts its signal at its time, with a TimeoutError', () => {
    const deadline = Deadline.after(1500, clock);
    expect(deadline.at).toBe(1_001_500);

    vi.advanceTimersByTime(1499);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.remaining()).toBe(1);
    vi.advanceTimersByTime(1);

    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toMatchObject({ name: 'TimeoutError' });
    expect(deadline.remaining()).toBe(0);
  });

  it('is already aborted when made with no time left', () => {
    expect(Deadline.after(0, clock).signal.aborted).toBe(true);
    expect(Deadline.after(-5, clock).signal.aborted).toBe(true);
  });

  it('never aborts once disposed', () => {
    const deadline = Deadline.after(100, clock);
    deadline.dispose();
    vi.advanceTimersByTime(1000);
    expect(deadline.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives a sub-deadline the sooner of the two times', () => {
    const parent = Deadline.after(1000, clock);
    expect(parent.within(300).at).toBe(1_000_300);
    expect(parent.within(5000).at).toBe(parent.at);
    expect(parent.before(1_000_200).at).toBe(1_000_200);
  });

  it('aborts a sub-deadline at its own time, leaving the parent alone', () => {
    const parent = Deadline.after(1000, clock);
    const child = parent.within(300);
    vi.advanceTimersByTime(300);
    expect(child.signal.aborted).toBe(true);
    expect(parent.signal.aborted).toBe(false);
  });

  it('aborts a sub-deadline with its parent, and is born aborted under an aborted one', () => {
    const parent = Deadline.after(1000, clock);
    const child = parent.before(parent.at);
    vi.advanceTimersByTime(1000);
    expect(child.signal.aborted).toBe(true);
    expect(parent.within(10).signal.aborted).toBe(true);
  });

  it('lets go of its parent when disposed', () => {
    const parent = Deadline.after(1000, clock);
    const child = parent.within(500);
    child.dispose();
    vi.advanceTimersByTime(1000);
    expect(parent.signal.aborted).toBe(true);
    expect(child.signal.aborted).toBe(false);
  });
});

describe('untilAborted', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles like the promise while the signal stays quiet', async () => {
    const deadline = Deadline.after(100, clock);
    await expect(untilAborted(Promise.resolve('ok'), deadline.signal)).resolves.toBe('ok');
    await expect(untilAborted(Promise.reject(new Error('no')), deadline.signal)).rejects.toThrow(
      'no',
    );
  });

  it('stops waiting for a promise that never settles when the signal aborts', async () => {
    const deadline = Deadline.after(100, clock);
    const waiting = untilAborted(new Promise<never>(() => {}), deadline.signal);
    const outcome = expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(100);
    await outcome;
  });

  it('rejects at once on an aborted signal, without an unhandled rejection later', async () => {
    const deadline = Deadline.after(0, clock);
    await expect(
      untilAborted(Promise.reject(new Error('late')), deadline.signal),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('makes no timer for a deadline whose signal is never used', () => {
    const deadline = Deadline.after(1_000, clock);
    expect(deadline.within(100).at).toBe(deadline.at - 900);
    expect(vi.getTimerCount()).toBe(0);
    expect(deadline.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('sleeps on the virtual clock', async () => {
    let woke = false;
    const sleeping = sleep(250).then(() => {
      woke = true;
    });
    await vi.advanceTimersByTimeAsync(249);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(woke).toBe(true);
  });
});
