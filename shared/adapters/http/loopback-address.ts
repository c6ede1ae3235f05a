import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for an IP address in 127.0.0.0/8 or `::1`, however it is spelt: `0:0:0:0:0:0:0:1`,
 * `::ffff:127.0.0.1` (IPv4-mapped). For the addresses sockets report (`server.address()`,
 * `socket.remoteAddress`), never for names: a name says nothing about where it resolves.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  const family = address ? isIP(address) : 0;
  return family !== 0 && LOOPBACK.check(address as string, family === 6 ? 'ipv6' : 'ipv4');
}

/** The unspecified address a server listens on to bind every interface (`0.0.0.0`, `::`). */
export function isWildcardAddress(address: string): boolean {
  return isIP(address) !== 0 && /^[0:.]+$/.test(address);
}
