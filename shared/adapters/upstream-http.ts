/**
 * What the Maskinporten and Altinn clients share about talking HTTP to an upstream: a body read
 * that never buffers more than a limit, and what a failed `fetch` was. Each client turns these into
 * its own failure type.
 */

/** The body as text, or undefined when it is longer than `limit` bytes (the rest is not read). */
export async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  if (!response.body) return '';
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Why a `fetch` (or its body) failed: no answer before the signal, or no connection. */
export type FetchFailure = { kind: 'timeout' } | { kind: 'network'; code?: string };

/** Names a `fetch` rejection: an aborted signal is a timeout; else the socket error's code. */
export function fetchFailure(error: unknown, signal: AbortSignal | undefined): FetchFailure {
  const name = error instanceof Error ? error.name : 'Error';
  if (signal?.aborted || name === 'TimeoutError' || name === 'AbortError')
    return { kind: 'timeout' };
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return { kind: 'network', code: typeof cause?.code === 'string' ? cause.code : undefined };
}
