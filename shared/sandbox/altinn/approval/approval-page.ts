import { html, page, type SafeHtml } from '../../http/html.js';
import type { RegisteredSystem, SystemUser } from '../altinn-model.js';
import type { SystemUserRequestRecord } from '../requests/request-model.js';

export interface RequestPageModel {
  request: SystemUserRequestRecord;
  /** Older than 180 days: still decidable, shown with a warning. */
  timedOut: boolean;
  system: RegisteredSystem | undefined;
  /** The confirm URL itself: the form posts back to it. */
  actionUrl: string;
  /** The accepted agent system user, to list its delegated clients. */
  systemUser?: SystemUser;
  /** Shown above the form, e.g. invalid client orgnos. */
  error?: string;
  /** Re-filled client list after an error. */
  clients?: string;
}

/**
 * The approval page behind `confirmUrl`, modelled on Altinn's: who asks (the system and its
 * vendor), for which organisation, what it asks for, and — while the request is `New` — Approve
 * and Reject buttons that POST `decision=accept|reject` to the same URL.
 * Agent requests also take the clients to delegate. Every value is HTML-escaped.
 *
 * @see https://docs.altinn.studio/en/authorization/guides/end-user/system-user/accept-request/
 */
export function renderRequestPage(model: RequestPageModel): string {
  const { request, system } = model;
  const systemName = system?.name.nb ?? request.systemId;
  const agent = request.type === 'agent';
  const decidable = request.status === 'New';
  const title = agent
    ? `${systemName} ønsker å opprette en systembruker for klienter hos ${request.partyOrgNo}`
    : `${systemName} ønsker å opprette en systembruker for ${request.partyOrgNo}`;
  const english = agent
    ? `${systemName} wants to create a system user for the clients of organisation ${request.partyOrgNo}`
    : `${systemName} wants to create a system user for organisation ${request.partyOrgNo}`;
  return page(
    'Godkjenn systemtilgang · Approve system access',
    html`<h1>${title}</h1>
<p class="en" lang="en">${english}</p>
${details(request, model.timedOut, system)}
${list(
  'Rettigheter · Rights',
  request.rights.map((r) => r.resource.map((a) => a.value).join(' + ')),
)}
${list(
  'Tilgangspakker · Access packages',
  request.accessPackages.map((p) => p.urn),
)}
${model.systemUser?.clients ? list('Delegerte klienter · Delegated clients', model.systemUser.clients, 'Ingen · None') : ''}
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}
${decidable ? form(model, agent) : html`<p>Forespørselen kan ikke lenger godkjennes eller avvises. <span lang="en">The request can no longer be approved or rejected.</span></p>`}`,
  );
}

/** After a decision, when the request has no `redirectUrl`. */
export function renderOutcomePage(
  request: SystemUserRequestRecord,
  systemUser?: SystemUser,
): string {
  const accepted = request.status === 'Accepted';
  const heading = accepted
    ? html`<h1>Systemtilgangen er opprettet</h1><p class="en" lang="en">The request was approved and the system user created.</p>`
    : html`<h1>Forespørselen er avvist</h1><p class="en" lang="en">The request was rejected.</p>`;
  return page(
    accepted ? 'Godkjent · Approved' : 'Avvist · Rejected',
    html`${heading}
<dl>
<dt>Status</dt><dd>${request.status}</dd>
<dt>Forespørsel · Request</dt><dd><code>${request.id}</code></dd>
${systemUser ? html`<dt>Systembruker · System user</dt><dd><code>${systemUser.id}</code></dd>` : ''}
</dl>
${systemUser?.clients ? list('Delegerte klienter · Delegated clients', systemUser.clients, 'Ingen · None') : ''}`,
  );
}

/** A plain message page (unknown request, wrong link, conflict). */
export function renderMessagePage(title: string, norwegian: string, english: string): string {
  return page(
    title,
    html`<h1>${title}</h1><p>${norwegian}</p><p class="en" lang="en">${english}</p>`,
  );
}

function details(request: SystemUserRequestRecord, timedOut: boolean, system?: RegisteredSystem) {
  const status = timedOut
    ? `${request.status} (eldre enn 180 dager · older than 180 days)`
    : request.status;
  return html`<dl>
<dt>Leverandør · Vendor</dt><dd>${system ? system.vendorOrgNo : 'ukjent · unknown'}</dd>
<dt>System</dt><dd>${system?.name.nb ?? request.systemId} (<code>${request.systemId}</code>)</dd>
<dt>Integrasjon · Integration</dt><dd>${request.integrationTitle}</dd>
<dt>Organisasjon · Organisation</dt><dd>${request.partyOrgNo}</dd>
<dt>Ekstern referanse · External reference</dt><dd>${request.externalRef}</dd>
<dt>Type</dt><dd>${request.type === 'agent' ? 'Klientsystembruker (agent)' : 'Standard'}</dd>
<dt>Status</dt><dd>${status}</dd>
</dl>`;
}

function list(heading: string, items: string[], empty?: string): SafeHtml | string {
  if (items.length === 0 && empty === undefined) return '';
  const body =
    items.length === 0
      ? html`<p>${empty}</p>`
      : html`<ul>${items.map((item) => html`<li><code>${item}</code></li>`)}</ul>`;
  return html`<h2>${heading}</h2>${body}`;
}

function form(model: RequestPageModel, agent: boolean): SafeHtml {
  const clients = agent
    ? html`<label for="clients">Klienter som skal delegeres · Clients to delegate</label>
<p id="clients-hint" class="hint">Organisasjonsnumre skilt med komma eller mellomrom (valgfritt). <span lang="en">Organisation numbers separated by commas or spaces (optional).</span></p>
<input type="text" id="clients" name="clients" autocomplete="off" aria-describedby="clients-hint" value="${model.clients ?? ''}">`
    : '';
  return html`<form method="post" action="${model.actionUrl}">
${clients}
<div class="actions">
<button class="approve" type="submit" name="decision" value="accept">Godkjenn · Approve</button>
<button class="reject" type="submit" name="decision" value="reject">Avvis · Reject</button>
</div>
</form>`;
}
