import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseTokenRequest, type TokenRequest } from '../../../shared/domain/token-request.js';
import type { ApiHandler, ApiResponse } from '../../../shared/http/api-types.js';
import type { Clock } from '../../../shared/ports/clock.js';

/** Real time plus an offset the test moves: deadlines and timeouts stay real, freshness jumps. */
export function shiftableClock() {
  let offset = 0;
  const clock: Clock = () => Date.now() + offset;
  return Object.assign(clock, {
    advance(ms: number) {
      offset += ms;
    },
  });
}

/** Counts every command a DynamoDB client sends (the calls that reach the table). */
export function countDynamoCalls(client: DynamoDBClient): { readonly count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.count += 1;
      return next(args);
    },
    { step: 'initialize', name: `countCalls-${Math.random()}` },
  );
  return counter;
}

let unique = 0;

/** A resource URI no other request used: a cold cache key. */
export const freshResource = (label = 'shared-cache') =>
  `https://api.example.no/${label}/${process.pid}/${Date.now()}/${++unique}`;

export const SCOPE = 'krr:global/kontaktinformasjon.read';

/** A validated request, as the HTTP route would hand it to the broker. */
export const tokenRequest = (body: Record<string, unknown>): TokenRequest =>
  parseTokenRequest({ scope: SCOPE, ...body });

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  json: any;
}

/** POST /v1/token straight into a runtime's API handler (no socket). */
export async function callApi(api: ApiHandler, body: unknown): Promise<ParsedResponse> {
  const response: ApiResponse = await api({
    method: 'POST',
    path: '/v1/token',
    query: new URLSearchParams(),
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  });
  return { status: response.status, headers: response.headers, json: JSON.parse(response.body) };
}

/** POST /v1/token over real HTTP. */
export async function postJson(url: string, body: unknown): Promise<ParsedResponse> {
  const response = await fetch(`${url}/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    json: await response.json(),
  };
}

/** Milliseconds `run` took, with its result and when it finished (epoch ms, the system clock's). */
export async function timed<T>(
  run: () => Promise<T>,
): Promise<{ value: T; ms: number; finishedAt: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started, finishedAt: Date.now() };
}
