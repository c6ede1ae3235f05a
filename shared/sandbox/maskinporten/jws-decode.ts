import { invalidAssertion } from './mp-errors.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export type JsonObject = Record<string, unknown>;

export interface DecodedJws {
  header: JsonObject;
  payload: JsonObject;
}

/**
 * Decodes a compact JWS without verifying it, rejecting anything that is not three non-empty
 * base64url parts with JSON-object header and payload. Throws `MaskinportenRejection`; the message
 * never contains the input.
 */
export function decodeCompactJws(assertion: string): DecodedJws {
  const parts = assertion.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
    throw invalidAssertion('assertion is not a compact JWS');
  }
  const [header, payload] = parts as [string, string, string];
  return {
    header: decodeJsonObject(header, 'header'),
    payload: decodeJsonObject(payload, 'payload'),
  };
}

function decodeJsonObject(part: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw invalidAssertion(`JWT ${what} is not valid JSON`);
  }
  if (!isJsonObject(value)) throw invalidAssertion(`JWT ${what} is not a JSON object`);
  return value;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
