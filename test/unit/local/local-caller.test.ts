import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOCAL_CALLER,
  LOCAL_CALLER_HEADER,
  localCallerResolver,
} from '../../../functions/local/local-caller.js';

// The local server's caller: a loopback peer is the local identity, any other peer none. The
// resolver keeps the last loopback address it saw (the check is costly on the hot path): that
// must never let a remote peer through, whatever came before it.

const from = (remoteAddress: string | undefined, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;

describe('localCallerResolver', () => {
  it('answers each peer by its own address, before and after a loopback peer was seen', () => {
    const resolve = localCallerResolver(false);
    const sequence = [
      '10.0.0.5',
      '127.0.0.1',
      '127.0.0.1',
      '192.168.1.2',
      '::ffff:127.0.0.1',
      '::1',
      '::ffff:10.0.0.5',
      undefined,
      '127.0.0.1',
      '0.0.0.0',
    ];
    expect(sequence.map((address) => resolve(from(address))?.id)).toEqual([
      undefined,
      DEFAULT_LOCAL_CALLER,
      DEFAULT_LOCAL_CALLER,
      undefined,
      DEFAULT_LOCAL_CALLER,
      DEFAULT_LOCAL_CALLER,
      undefined,
      undefined,
      DEFAULT_LOCAL_CALLER,
      undefined,
    ]);
  });

  it('honours the caller header from loopback only, with a policy file', () => {
    const resolve = localCallerResolver(true);
    const named = { [LOCAL_CALLER_HEADER]: 'svc-a' };
    expect(resolve(from('127.0.0.1', named))).toEqual({ id: 'svc-a', source: 'local-header' });
    expect(resolve(from('10.0.0.5', named))).toBeUndefined();
    expect(resolve(from('127.0.0.1'))).toEqual({
      id: DEFAULT_LOCAL_CALLER,
      source: 'local-default',
    });
  });
});
