import type { IncomingMessage } from 'node:http';
import { isLoopbackAddress } from '../../shared/adapters/http/loopback-address.js';
import type { CallerIdentity } from '../../shared/domain/caller-policy.js';

/** With a policy file, a local caller names itself in this header (local server, loopback only). */
export const LOCAL_CALLER_HEADER = 'broker-caller';
export const DEFAULT_LOCAL_CALLER = 'local';

/**
 * Who is calling the local server. A process on this machine (a loopback peer) is the one local
 * identity; with a policy file it may name its identity in a header, so the policy can be
 * exercised over real HTTP. A peer on another machine has no identity at all: the header is not
 * honoured from it and it is never `local`, so a policy grants it nothing (only the sandbox, which
 * runs without a policy, answers it).
 */
export function localCallerResolver(honourHeader: boolean) {
  const defaultCaller: CallerIdentity = Object.freeze({
    id: DEFAULT_LOCAL_CALLER,
    source: 'local-default',
  });
  // The check builds a SocketAddress per call (about a tenth of a hit's CPU): a connection's
  // requests, and a client's connections, come from the same address, so the last loopback one
  // is kept (the check is a pure function of the string).
  let loopbackPeer: string | undefined;
  return (request: IncomingMessage): CallerIdentity | undefined => {
    const peer = request.socket.remoteAddress;
    if (peer === undefined || peer !== loopbackPeer) {
      if (!isLoopbackAddress(peer)) return undefined;
      loopbackPeer = peer;
    }
    if (!honourHeader) return defaultCaller;
    const named = request.headers[LOCAL_CALLER_HEADER];
    if (typeof named === 'string' && named.length > 0) {
      return { id: named.slice(0, 256), source: 'local-header' };
    }
    return defaultCaller;
  };
}
