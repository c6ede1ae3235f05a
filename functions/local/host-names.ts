import { isIP } from 'node:net';
import {
  isLoopbackAddress,
  isWildcardAddress,
} from '../../shared/adapters/http/loopback-address.js';
import type { HostNames } from '../../shared/adapters/http/node-listener.js';
import { isLoopbackHost } from '../../shared/domain/secure-url.js';

/**
 * The `Host` names the local server answers to, from the address it actually bound: on loopback
 * only loopback names; on every interface (`0.0.0.0`, `::`) loopback names and IP addresses (a
 * page that rebinds its own name to this machine still sends its own name); on one address only
 * the configured `HOST`.
 */
export function hostNamesFor(boundAddress: string, configuredHost: string): HostNames {
  if (isLoopbackAddress(boundAddress)) {
    return {
      allows: isLoopbackHost,
      description: 'this loopback server (localhost, 127.0.0.1 or [::1])',
    };
  }
  if (isWildcardAddress(boundAddress)) {
    return {
      allows: (hostname) => isLoopbackHost(hostname) || isIP(unbracketed(hostname)) !== 0,
      description:
        'this server by an IP address or localhost (it listens on every interface; set HOST to a name to be reached by that name)',
    };
  }
  const expected = bracketed(configuredHost.toLowerCase());
  return {
    allows: (hostname) => hostname === expected,
    description: `the configured HOST (${expected})`,
  };
}

const unbracketed = (host: string) => host.replace(/^\[(.*)\]$/, '$1');
const bracketed = (host: string) => (isIP(host) === 6 ? `[${host}]` : host);
