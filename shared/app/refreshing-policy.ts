import type { CallerPolicy, PolicyRule } from '../domain/caller-policy.js';
import { readPolicyDocument, summarisePolicy } from '../domain/policy-document.js';
import type { Clock } from '../ports/clock.js';
import { Deadline, untilAborted } from '../ports/deadline.js';
import type { BrokerLogger } from '../ports/logger.js';
import type { BrokerMetrics } from '../ports/metrics.js';

export interface RefreshingPolicyOptions {
  /** Reads the policy document's text as it is now (the SSM parameter). */
  read: () => Promise<string>;
  /** Where the policy comes from, for messages: `SSM parameter /maskinporten-broker/test/...`. */
  source: string;
  clock: Clock;
  logger: BrokerLogger;
  metrics: BrokerMetrics;
  /** How old the policy may get before a request reads it again (default 60 s). */
  maxAgeMs?: number;
  /** After a failed read, how long until a request tries again (default 5 s). */
  retryMs?: number;
  /** How long a request waits for a read before it goes on with the last good policy (default 500 ms). */
  waitMs?: number;
}

/** How often a warm instance reads the caller policy again: the revocation latency. */
export const POLICY_MAX_AGE_MS = 60_000;

/**
 * The caller policy from a source that changes without a deploy of the code (the SSM parameter),
 * read again by the first request after it is {@link POLICY_MAX_AGE_MS} old. It is a
 * `CallerPolicy`: `decide` reads the latest good policy through it. A new policy that is valid
 * applies at once, narrower or wider; one that cannot be read or is invalid is refused loudly
 * (an error log and `PolicyRefreshFailures`) and the last good policy stays. The first read has
 * no last good policy to keep, so its failure fails the start.
 */
export class RefreshingCallerPolicy implements CallerPolicy {
  readonly #options: Required<RefreshingPolicyOptions>;
  #policy: CallerPolicy;
  #text: string;
  /** Epoch ms after which a request reads the policy again. */
  #due: number;
  #reading?: Promise<void>;

  private constructor(options: Required<RefreshingPolicyOptions>, text: string) {
    this.#options = options;
    this.#text = text;
    this.#policy = readPolicyDocument(text, options.source);
    this.#due = options.clock() + options.maxAgeMs;
  }

  /** Reads the policy for the first time; throws (failing the start) if it is missing or invalid. */
  static async load(options: RefreshingPolicyOptions): Promise<RefreshingCallerPolicy> {
    const complete: Required<RefreshingPolicyOptions> = {
      ...options,
      maxAgeMs: options.maxAgeMs ?? POLICY_MAX_AGE_MS,
      retryMs: options.retryMs ?? 5_000,
      waitMs: options.waitMs ?? 500,
    };
    const policy = new RefreshingCallerPolicy(complete, await options.read());
    options.logger.info('caller policy loaded', {
      source: options.source,
      ...summarisePolicy(policy.#policy),
    });
    return policy;
  }

  get rules(): readonly PolicyRule[] {
    return this.#policy.rules;
  }

  get administrativeScopes(): readonly string[] | undefined {
    return this.#policy.administrativeScopes;
  }

  /**
   * Called before each request: when the policy is due, reads it again (one read for all
   * concurrent requests) and waits for it at most `waitMs`; a slower read still applies when it
   * lands.
   */
  async refresh(): Promise<void> {
    const { clock, waitMs } = this.#options;
    if (clock() < this.#due) return;
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    const wait = Deadline.after(waitMs, clock);
    try {
      await untilAborted(this.#reading, wait.signal);
    } catch {
      // Not read in time: this request goes on with the last good policy.
    } finally {
      wait.dispose();
    }
  }

  async #read(): Promise<void> {
    const { read, source, clock, logger, metrics, maxAgeMs, retryMs } = this.#options;
    let text: string;
    try {
      text = await read();
    } catch (error) {
      this.#due = clock() + retryMs;
      metrics.count('PolicyRefreshFailures');
      logger.error('caller policy could not be read: keeping the last good policy', {
        source,
        reason: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    this.#due = clock() + maxAgeMs;
    if (text === this.#text) return;
    let next: CallerPolicy;
    try {
      next = readPolicyDocument(text, source);
    } catch (error) {
      metrics.count('PolicyRefreshFailures');
      logger.error('caller policy changed to an invalid one: keeping the last good policy', {
        source,
        reason: (error as Error).message,
      });
      return;
    }
    this.#policy = next;
    this.#text = text;
    logger.info('caller policy changed', { source, ...summarisePolicy(next) });
  }
}
