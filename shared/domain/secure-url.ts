import { WHITESPACE_OR_CONTROL } from './schema-fields.js';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** True for 127.0.0.0/8, `::1` and `localhost`. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Parses an upstream URL and refuses anything but `https`, except plain `http` to a loopback
 * address (the local sandbox). Tokens and grants must never cross a network in clear text.
 */
export function requireSecureUrl(value: string, what: string): URL {
  if (!URL.canParse(value)) throw new TypeError(`${what} is not a URL: ${JSON.stringify(value)}`);
  const url = new URL(value);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new TypeError(`${what} must use https (plain http only on loopback): ${url.origin}`);
}

/**
 * An absolute `https` URL with a host, at most `maxLength` characters (default 2048), without
 * whitespace or control characters, and without a fragment unless `fragment` allows one.
 */
export function isHttpsUrl(
  value: string,
  options: { maxLength?: number; fragment?: boolean } = {},
): boolean {
  const { maxLength = 2048, fragment = true } = options;
  if (value.length > maxLength || WHITESPACE_OR_CONTROL.test(value)) return false;
  if (!fragment && value.includes('#')) return false;
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && url.hostname.length > 0;
}
