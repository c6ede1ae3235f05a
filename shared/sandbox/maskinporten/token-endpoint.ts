import type { IncomingMessage, ServerResponse } from 'node:http';
import { mediaType, readBody, sendJson, sendTooLarge } from '../http/http-io.js';
import type { SimulatorStats } from './maskinporten-stats.js';
import { badTokenRequest, MaskinportenRejection, unsupportedGrantType } from './mp-errors.js';
import { issueToken, type TokenIssuerDeps } from './token-issuer.js';

/** Far above any real grant; a bigger body is refused with 413 before it is parsed. */
export const TOKEN_BODY_LIMIT_BYTES = 64 * 1024;

const FORM = 'application/x-www-form-urlencoded';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const PARAMETERS = new Set(['grant_type', 'assertion']);

/**
 * `POST {issuer}token`: a form with exactly `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
 * and `assertion`, no client authentication. Every failure is a JSON `{error,
 * error_description}`; nothing from the request is echoed back.
 *
 * @see https://docs.digdir.no/docs/Maskinporten/maskinporten_protocol_token
 */
export async function handleTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: TokenIssuerDeps,
  stats: SimulatorStats,
): Promise<void> {
  try {
    if (mediaType(req) !== FORM) throw badTokenRequest(`Content-Type must be ${FORM}`);
    const read = await readBody(req, TOKEN_BODY_LIMIT_BYTES);
    if (!read.ok) {
      if (read.reason === 'aborted') return;
      if (read.reason === 'too_large') {
        stats.recordRejection('payload_too_large');
        sendTooLarge(res, 'invalid_request');
        return;
      }
      throw badTokenRequest('Request body must be UTF-8');
    }
    const assertion = parseForm(read.body);
    const token = await issueToken(deps, assertion);
    stats.tokensIssued += 1;
    sendJson(res, 200, token);
  } catch (error) {
    if (error instanceof MaskinportenRejection) {
      stats.recordRejection(error.code);
      sendJson(res, error.status, error.body);
      return;
    }
    stats.recordRejection('server_error');
    sendJson(res, 500, { error: 'server_error', error_description: 'Unexpected sandbox error' });
  }
}

/** RFC 6749 §3.2: parameters must not repeat; Digdir lists exactly these two. */
function parseForm(body: string): string {
  const form = new URLSearchParams(body);
  const names = [...form.keys()];
  if (new Set(names).size !== names.length) throw badTokenRequest('Parameters must not repeat');
  if (names.some((name) => !PARAMETERS.has(name))) {
    throw badTokenRequest('Only grant_type and assertion are allowed');
  }
  const grantType = form.get('grant_type');
  if (!grantType) throw badTokenRequest('grant_type is required');
  if (grantType !== JWT_BEARER) throw unsupportedGrantType();
  const assertion = form.get('assertion');
  if (!assertion) throw badTokenRequest('assertion is required');
  return assertion;
}
