import { describe, expect, it } from 'vitest';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { RefreshingCallerPolicy } from '../../../shared/app/refreshing-policy.js';
import { RecordingLogger } from '../../support/recording-logger.js';
import { advance, clock, useVirtualClock, watch } from '../../support/virtual-upstreams.js';

// The policy source on a virtual clock: how long a request waits for a slow read, and that the
// read still applies when it lands.

const document = (orgs: string[]) =>
  JSON.stringify({
    rules: [{ callers: ['arn:aws:iam::111111111111:role/a'], scopes: ['a'], orgs }],
  });

describe('RefreshingCallerPolicy', () => {
  useVirtualClock();

  async function load(reads: Array<() => Promise<string>>) {
    const logger = new RecordingLogger();
    const metrics = new InMemoryMetrics();
    const policy = await RefreshingCallerPolicy.load({
      read: () => (reads.shift() as () => Promise<string>)(),
      source: 'test',
      clock,
      logger,
      metrics,
    });
    return { policy, logger, metrics };
  }

  it('waits at most 500 ms for a slow read, then applies it when it lands', async () => {
    let land: (text: string) => void = () => {};
    const { policy } = await load([
      async () => document(['910753614']),
      () =>
        new Promise<string>((resolve) => {
          land = resolve;
        }),
    ]);
    await advance(60_000);

    const waiting = watch(policy.refresh());
    await advance(499);
    expect(waiting.settled).toBe(false);
    await advance(1);
    expect(waiting.settled).toBe(true);
    expect(policy.rules[0]?.orgs).toEqual(['910753614']);

    land(document(['313725138']));
    await advance(0);
    expect(policy.rules[0]?.orgs).toEqual(['313725138']);
  });

  it('shares one read between the requests that find the policy due', async () => {
    let reads = 0;
    const { policy } = await load([
      async () => document(['910753614']),
      async () => {
        reads++;
        return document(['313725138']);
      },
    ]);
    await advance(60_000);

    await Promise.all([policy.refresh(), policy.refresh(), policy.refresh()]);

    expect(reads).toBe(1);
    expect(policy.rules[0]?.orgs).toEqual(['313725138']);
  });

  it('does not read while the policy is younger than 60 s, nor parse an unchanged one', async () => {
    let reads = 0;
    const same = document(['910753614']);
    const { policy, logger } = await load([
      async () => same,
      async () => {
        reads++;
        return same;
      },
    ]);

    await advance(59_999);
    await policy.refresh();
    expect(reads).toBe(0);
    await advance(1);
    await policy.refresh();
    expect(reads).toBe(1);
    expect(logger.entries.filter((e) => e.message === 'caller policy changed')).toEqual([]);
  });

  it('fails to load without a readable, valid first policy', async () => {
    await expect(load([async () => '{"rules":[{}]}'])).rejects.toThrow(
      'caller policy from test is invalid: rules.0.callers: is required',
    );
    await expect(
      load([
        async () => {
          throw new Error('could not read SSM parameter /p (ParameterNotFound)');
        },
      ]),
    ).rejects.toThrow('ParameterNotFound');
  });
});
