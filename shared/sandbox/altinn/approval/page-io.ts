import type { IncomingMessage, ServerResponse } from 'node:http';
import { mediaType, readBody } from '../../http/http-io.js';
import { renderMessagePage } from './approval-page.js';

/** What the approval pages (requests and change requests) share: ids, forms, HTML answers. */

const FORM_LIMIT_BYTES = 16 * 1024;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The page's `?id=` as a lower-case GUID, or undefined. */
export function idFrom(url: URL): string | undefined {
  const id = url.searchParams.get('id') ?? '';
  return GUID.test(id) ? id.toLowerCase() : undefined;
}

export function sendMethodNotAllowedPage(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  sendHtml(res, 405, message('Metoden støttes ikke', 'Bruk GET eller POST.', 'Use GET or POST.'), {
    allow: 'GET, POST',
  });
}

/**
 * The posted form: from the page itself (403 for a cross-site post), as
 * `application/x-www-form-urlencoded` (415), at most 16 KiB (413), with `decision=accept|reject`
 * (400). Undefined once an error page has been sent.
 */
export async function readDecisionForm(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<{ decision: 'accept' | 'reject'; fields: URLSearchParams } | undefined> {
  if (isCrossSite(req)) {
    req.resume();
    sendHtml(
      res,
      403,
      message(
        'Skjemaet kom fra et annet nettsted',
        'Godkjenn eller avvis på selve siden.',
        'The form was posted from another site: approve or reject on the page itself.',
      ),
    );
    return undefined;
  }
  const fields = await readForm(req, res);
  if (!fields) return undefined;
  const decision = fields.get('decision');
  if (decision !== 'accept' && decision !== 'reject') {
    sendHtml(
      res,
      400,
      message('Ugyldig valg', 'Velg Godkjenn eller Avvis.', 'Choose Approve or Reject.'),
    );
    return undefined;
  }
  return { decision, fields };
}

/**
 * A post a browser says comes from another site: `Sec-Fetch-Site` other than `same-origin` (or
 * `none`, the user's own navigation), or an `Origin` that is not this server. Without this a page
 * anywhere could approve a request in the name of whoever has the sandbox open (CSRF). Clients
 * that are not browsers send neither header and are let through: the page has no login anyway.
 *
 * @see https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header
 * @see https://www.rfc-editor.org/rfc/rfc6454#section-7
 */
function isCrossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  if (!URL.canParse(origin)) return true;
  return new URL(origin).host !== (req.headers.host ?? '').toLowerCase();
}

async function readForm(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<URLSearchParams | undefined> {
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    req.resume();
    sendHtml(
      res,
      415,
      message('Feil format', 'Send et skjema.', 'Send application/x-www-form-urlencoded.'),
    );
    return undefined;
  }
  const read = await readBody(req, FORM_LIMIT_BYTES);
  if (read.ok) return new URLSearchParams(read.body);
  if (read.reason !== 'aborted') {
    sendHtml(
      res,
      read.reason === 'too_large' ? 413 : 400,
      message('Ugyldig skjema', 'Skjemaet kunne ikke leses.', 'The form could not be read.'),
      read.reason === 'too_large' ? { connection: 'close' } : {},
    );
  }
  return undefined;
}

export const notFoundPage = () =>
  message(
    'Fant ikke forespørselen',
    'Lenken er ugyldig, eller forespørselen er slettet.',
    'The link is invalid, or the request was deleted.',
  );

export const message = renderMessagePage;

export function sendHtml(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...headers,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
