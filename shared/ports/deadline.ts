import { type Clock, systemClock } from './clock.js';

/**
 * When a request must be answered: an absolute time (epoch ms, for logs and arithmetic) and an
 * `AbortSignal` that aborts then. It is created once, where a request enters the broker (the API
 * handler, from `BROKER_DEADLINE_MS` and, in Lambda, the invocation's remaining time), and passed
 * to every port: the token fetcher, the signer, the shared cache, Maskinporten and Altinn. Adapters
 * hand the signal to `fetch` and the AWS SDK; their own timeouts are only a backstop.
 *
 * A step that must leave time for another takes a sub-deadline with {@link Deadline.before} or
 * {@link Deadline.within}: it ends sooner, and aborts with its parent.
 *
 * The timers are the global `setTimeout`, so a test can run all of this on a virtual clock
 * (`vi.useFakeTimers()` with the clock reading `Date.now`).
 */
export class Deadline {
  /** Epoch ms at which {@link signal} aborts. */
  readonly at: number;
  /** Aborts at {@link at} (or with the parent); the reason is a `TimeoutError` DOMException. */
  readonly signal: AbortSignal;
  readonly #clock: Clock;
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #detach: (() => void) | undefined;

  /** A deadline `ms` from now. */
  static after(ms: number, clock: Clock = systemClock): Deadline {
    return new Deadline(clock() + ms, clock);
  }

  private constructor(at: number, clock: Clock, parent?: Deadline) {
    this.at = at;
    this.#clock = clock;
    this.signal = this.#controller.signal;
    if (parent) {
      if (parent.signal.aborted) {
        this.#expire();
        return;
      }
      const onAbort = () => this.#expire();
      parent.signal.addEventListener('abort', onAbort, { once: true });
      this.#detach = () => parent.signal.removeEventListener('abort', onAbort);
    }
    const delay = at - clock();
    if (delay <= 0) {
      this.#expire();
      return;
    }
    this.#timer = setTimeout(() => this.#expire(), delay);
    // A pending deadline never keeps a process (a CLI, a test runner) alive on its own.
    this.#timer.unref?.();
  }

  /** Milliseconds left; zero or less once it has passed. */
  remaining(): number {
    return this.signal.aborted ? 0 : this.at - this.#clock();
  }

  /** A sub-deadline at `at` or at this one, whichever is sooner; it aborts when this one does. */
  before(at: number): Deadline {
    return new Deadline(Math.min(at, this.at), this.#clock, this);
  }

  /** A sub-deadline `ms` from now (or at this one, if sooner). */
  within(ms: number): Deadline {
    return this.before(this.#clock() + ms);
  }

  /** Stops the timer and lets go of the parent. Call it when the work under it is done. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#detach?.();
    this.#detach = undefined;
  }

  #expire(): void {
    this.dispose();
    if (!this.signal.aborted) {
      this.#controller.abort(new DOMException('the deadline has passed', 'TimeoutError'));
    }
  }
}

/**
 * Settles like `promise`, or rejects with the signal's reason once it has aborted (and `graceMs`
 * more have passed, for a last line of defence that lets the work answer at the deadline itself).
 * For a call that cannot be cancelled (or may ignore the signal): the caller stops waiting, and the
 * abandoned promise is left to settle unobserved.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, graceMs = 0): Promise<T> {
  if (signal.aborted && graceMs <= 0) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const giveUp = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    const onAbort = () => {
      if (graceMs > 0) timer = setTimeout(giveUp, graceMs);
      else giveUp();
    };
    const settle = () => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

/** Waits `ms` (on the global timers, so a virtual clock drives it too). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
