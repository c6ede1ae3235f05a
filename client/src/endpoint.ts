/** Whether requests are SigV4-signed: `auto` signs unless the base is plain `http` on loopback. */
export type SigningMode = 'auto' | 'sigv4' | 'none';

/** Where the broker is and how to call it, decided once when the client is created. */
export interface Endpoint {
  /** The token endpoint, e.g. `https://abc-vpce-1.execute-api.eu-north-1.amazonaws.com/test/v1/token`. */
  tokenUrl: URL;
  /** The SigV4 region, when requests are signed. */
  region?: string;
}

/** `{api-id}[-{vpce-id}].execute-api.{region}.amazonaws.com[.cn]`. */
const EXECUTE_API_HOST = /^[a-z0-9-]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/**
 * Checks the base URL and decides signing. `https` always; plain `http` only to loopback (the
 * local server of `npm start`), since tokens must not cross a network in clear text. Misuse is a
 * `TypeError`, thrown before any request.
 */
export function resolveEndpoint(
  baseUrl: string | URL,
  options: {
    region?: string | undefined;
    signing?: SigningMode | undefined;
    env?: NodeJS.ProcessEnv;
  },
): Endpoint {
  const text = String(baseUrl);
  if (!URL.canParse(text)) throw new TypeError(`baseUrl is not a URL: ${JSON.stringify(text)}`);
  const base = new URL(text);
  const loopback = isLoopbackHost(base.hostname);
  if (base.protocol !== 'https:' && !(base.protocol === 'http:' && loopback)) {
    throw new TypeError(`baseUrl must use https (plain http only on loopback): ${base.origin}`);
  }
  if (base.search || base.hash) throw new TypeError('baseUrl must not have a query or fragment');
  if (base.username || base.password) throw new TypeError('baseUrl must not hold credentials');
  const tokenUrl = new URL(`${base.pathname.replace(/\/+$/, '')}/v1/token`, base);
  const mode = options.signing ?? 'auto';
  const signed = mode === 'sigv4' || (mode === 'auto' && !(base.protocol === 'http:' && loopback));
  if (!signed) return { tokenUrl };
  const env = options.env ?? process.env;
  const region =
    options.region ??
    EXECUTE_API_HOST.exec(base.hostname)?.[1] ??
    env['AWS_REGION'] ??
    env['AWS_DEFAULT_REGION'];
  if (!region) {
    throw new TypeError(
      'region is required to sign requests: pass it, use an execute-api URL that names it, or set AWS_REGION',
    );
  }
  return { tokenUrl, region };
}

/** 127.0.0.0/8, `::1` and `localhost`. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    hostname === '::1' ||
    /^127(?:\.\d{1,3}){3}$/.test(hostname)
  );
}
