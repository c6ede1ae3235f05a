import { request } from 'node:http';

/**
 * A `fetch` for tests that stands in for DNS and TLS: a request to one of the given `https` hosts
 * (e.g. `{api-id}-{vpce-id}.execute-api.eu-north-1.amazonaws.com`) goes over plain HTTP to the
 * loopback port that host maps to, keeping its `Host` header, so a SigV4 signature over the real
 * host name still verifies. Any other URL goes to the global `fetch`.
 */
export function loopbackFetch(ports: ReadonlyMap<string, number>): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const port = url.protocol === 'https:' ? ports.get(url.hostname) : undefined;
    if (port === undefined) return fetch(input, init);
    const headers = Object.fromEntries(new Headers(init?.headers));
    const body = typeof init?.body === 'string' ? init.body : undefined;
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port,
          method: init?.method ?? 'GET',
          path: `${url.pathname}${url.search}`,
          headers: { ...headers, host: url.host },
          signal: init?.signal ?? undefined,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.once('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (typeof value === 'string') responseHeaders.set(name, value);
            }
            resolve(
              new Response(Buffer.concat(chunks), {
                status: incoming.statusCode ?? 500,
                headers: responseHeaders,
              }),
            );
          });
          incoming.once('error', reject);
        },
      );
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  };
}
