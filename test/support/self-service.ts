import { SELF_SERVICE_SCOPES } from '../../shared/sandbox/maskinporten/self-service-api.js';
import type { TestSandbox } from './sandbox-fixture.js';

export interface SelfServiceAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

/** A Maskinporten token from the sandbox for the demo client, with Digdir's admin scope by default. */
export async function adminToken(
  t: TestSandbox,
  scope: string = SELF_SERVICE_SCOPES.write,
): Promise<string> {
  const answer = await t.requestToken({ scope });
  const token = answer.json['access_token'];
  if (answer.status !== 200 || typeof token !== 'string') {
    throw new Error(`no admin token: ${answer.status} ${JSON.stringify(answer.json)}`);
  }
  return token;
}

/** Calls the simulated self-service API over HTTP (`path` below `clients/`). */
export async function selfServiceCall(
  t: TestSandbox,
  method: string,
  path: string,
  init: { token?: string | null; body?: unknown; text?: string; contentType?: string } = {},
): Promise<SelfServiceAnswer> {
  const token = init.token === undefined ? await adminToken(t) : init.token;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const text = init.text ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (text !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const response = await fetch(new URL(`clients/${path}`, t.sandbox.selfServiceUrl), {
    method,
    headers,
    ...(text === undefined ? {} : { body: text }),
    signal: AbortSignal.timeout(5000),
  });
  const raw = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    json = { raw };
  }
  return { status: response.status, headers: response.headers, json };
}

/** Reads the control view of a client's keys: stored, effective and pending. */
export async function controlKeys(t: TestSandbox, clientId: string) {
  const response = await fetch(
    `${t.sandbox.url}/sandbox/_control/selvbetjening/clients/${encodeURIComponent(clientId)}`,
    { signal: AbortSignal.timeout(5000) },
  );
  return (await response.json()) as {
    stored: { keys: { kid: string; exp: number }[] };
    effective: { kid: string; exp?: number }[];
    pending: { effectiveAt: string; kids: string[] }[];
  };
}

/** Sets the propagation delay through the control API. */
export async function setPropagationDelay(t: TestSandbox, ms: number): Promise<number> {
  const response = await fetch(`${t.sandbox.url}/sandbox/_control/selvbetjening`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ propagationDelayMs: ms }),
    signal: AbortSignal.timeout(5000),
  });
  return response.status;
}
