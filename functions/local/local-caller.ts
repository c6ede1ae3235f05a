import type { IncomingMessage } from 'node:http';
import type { CallerIdentity } from '../../shared/domain/caller-policy.js';
import { isLoopbackHost } from '../../shared/domain/secure-url.js';

/** With a policy file, a local caller names itself in this header (local server, loopback only). */
export const LOCAL_CALLER_HEADER = 'broker-caller';
export const DEFAULT_LOCAL_CALLER = 'local';

/**
 * Who is calling the local server. It listens on loopback by default, where every caller is the
 * one local identity; with a policy file, a loopback caller may name its identity in a header so
 * the policy can be exercised over real HTTP. A header from a non-loopback peer is ignored.
 */
export function localCallerResolver(honourHeader: boolean) {
  const defaultCaller: CallerIdentity = Object.freeze({
    id: DEFAULT_LOCAL_CALLER,
    source: 'local-default',
  });
  return (request: IncomingMessage): CallerIdentity => {
    const named = request.headers[LOCAL_CALLER_HEADER];
    if (honourHeader && typeof named === 'string' && named.length > 0 && isLoopbackPeer(request)) {
      return { id: named.slice(0, 256), source: 'local-header' };
    }
    return defaultCaller;
  };
}

function isLoopbackPeer(request: IncomingMessage): boolean {
  const address = request.socket.remoteAddress ?? '';
  return isLoopbackHost(address.replace(/^::ffff:/, ''));
}
