/**
 * JWT-shaped text: compact JWS (three base64url parts) or JWE (five), whose first part is a JSON
 * object (`{"` encodes as `eyJ`, `{` followed by whitespace as `ew`/`ey`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */
const JWT_SHAPED = /e[wy][\w-]{2,}\.[\w-]*\.[\w-]*(?:\.[\w-]+\.[\w-]+)?/g;

export const REDACTED = '[redacted]';

/**
 * Upstream text with every JWT-shaped string replaced by `[redacted]`. Maskinporten and Altinn
 * echo what they were sent in some error texts (a grant, a token); this runs where their text
 * enters the broker's errors and logs, so what a caller or a log reader sees never holds one.
 * JSON stays JSON: the pattern never spans a quote, brace or comma.
 */
export function redactJwts(text: string): string {
  return text.replace(JWT_SHAPED, REDACTED);
}
