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
 * The signal and its timer are made on first use, so a request answered from memory costs no
 * timer. The timers are the global `setTimeout`, so a test can run all of this on a virtual clock
 * (`vi.useFakeTimers()` with the clock reading `Date.now`).
 */
export class Deadline {
  /** Epoch ms at which {@link signal} aborts. */
  readonly at: number;
  readonly #clock: Clock;
  readonly #parent: Deadline | undefined;
  // Made on first use of the signal: a request answered from memory never needs a timer.
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #detach: (() => void) | undefined;
  #disposed = false;

  /** A deadline `ms` from now. */
  static after(ms: number, clock: Clock = systemClock): Deadline {
    return new Deadline(clock() + ms, clock);
  }

  /** A deadline at `at` (epoch ms), for a caller that has read the clock already. */
  static until(at: number, clock: Clock = systemClock): Deadline {
    return new Deadline(at, clock);
  }

  private constructor(at: number, clock: Clock, parent?: Deadline) {
    this.at = at;
    this.#clock = clock;
    this.#parent = parent;
  }

  /** Aborts at {@link at} (or with the parent); the reason is a `TimeoutError` DOMException. */
  get signal(): AbortSignal {
    if (!this.#controller) this.#arm();
    return (this.#controller as AbortController).signal;
  }

  /** Milliseconds left; zero or less once it has passed. */
  remaining(): number {
    return this.#controller?.signal.aborted ? 0 : this.at - this.#clock();
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
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#detach?.();
    this.#detach = undefined;
  }

  #arm(): void {
    this.#controller = new AbortController();
    // A disposed deadline's signal stays quiet: the work under it is over.
    if (this.#disposed) return;
    const parent = this.#parent?.signal;
    if (parent) {
      const onAbort = () => this.#expire();
      parent.addEventListener('abort', onAbort, { once: true });
      this.#detach = () => parent.removeEventListener('abort', onAbort);
    }
    const delay = this.at - this.#clock();
    if (parent?.aborted || delay <= 0) {
      this.#expire();
      return;
    }
    this.#timer = setTimeout(() => this.#expire(), delay);
    // A pending deadline never keeps a process (a CLI, a test runner) alive on its own.
    this.#timer.unref?.();
  }

  #expire(): void {
    this.dispose();
    const controller = this.#controller as AbortController;
    if (!controller.signal.aborted) {
      controller.abort(new DOMException('the deadline has passed', 'TimeoutError'));
    }
  }
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as it aborts. For a call
 * that cannot be cancelled (or may ignore the signal): the caller stops waiting, and the abandoned
 * promise is left to settle unobserved.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms` (on the global timers, so a virtual clock drives it too). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
