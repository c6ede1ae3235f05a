import type { Clock } from '../../../client/src/index.js';

/** A clock that only moves when told: `sleep` moves it at once and records the wait. */
export interface TestClock extends Clock {
  /** Every wait the client asked for, in order. */
  readonly sleeps: number[];
  advance(ms: number): void;
}

export function testClock(start = Date.now()): TestClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    async sleep(ms) {
      sleeps.push(ms);
      now += ms;
    },
    advance(ms) {
      now += ms;
    },
  };
}
