/**
 * Time as the client sees it. Inject your own in tests to make reuse, expiry and retry waits
 * deterministic (the attempt timeout itself is a real timer for the time the clock says is left).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds (the waits between attempts). */
  sleep(ms: number): Promise<void>;
}

/** `Date.now` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
