import { html, page, type SafeHtml } from '../../http/html.js';
import type { AccessPackage, RegisteredSystem, Right, SystemUser } from '../altinn-model.js';
import type { ChangeRequestRecord } from '../change-requests/change-request-model.js';

export interface ChangeRequestPageModel {
  changeRequest: ChangeRequestRecord;
  system: RegisteredSystem | undefined;
  /** The system user as it is now, to show what it holds. */
  systemUser: SystemUser | undefined;
  /** The confirm URL itself: the form posts back to it. */
  actionUrl: string;
  error?: string;
}

/**
 * The change-request approval page behind its `confirmUrl`, in the style of the request page: who
 * asks, for which organisation and system user, what it would get and lose, and — while the
 * change request is `New` — Approve and Reject buttons that POST `decision=accept|reject` to the
 * same URL. Every value is HTML-escaped.
 *
 * @see https://docs.altinn.studio/api/authentication/systemuserapi/changerequest/
 */
export function renderChangeRequestPage(model: ChangeRequestPageModel): string {
  const { changeRequest: cr, system } = model;
  const systemName = system?.name.nb ?? cr.systemId;
  return page(
    'Godkjenn endring av systemtilgang · Approve a change of system access',
    html`<h1>${systemName} ønsker å endre systembrukeren for ${cr.partyOrgNo}</h1>
<p class="en" lang="en">${systemName} wants to change the system user of organisation ${cr.partyOrgNo}</p>
<dl>
<dt>Leverandør · Vendor</dt><dd>${system ? system.vendorOrgNo : 'ukjent · unknown'}</dd>
<dt>System</dt><dd>${systemName} (<code>${cr.systemId}</code>)</dd>
<dt>Systembruker · System user</dt><dd><code>${cr.systemUserId}</code></dd>
<dt>Organisasjon · Organisation</dt><dd>${cr.partyOrgNo}</dd>
<dt>Ekstern referanse · External reference</dt><dd>${cr.externalRef}</dd>
<dt>Status</dt><dd>${cr.status}</dd>
</dl>
${list('Nye rettigheter · Rights to add', cr.requiredRights.map(rightText))}
${list('Rettigheter som fjernes · Rights to remove', cr.unwantedRights.map(rightText))}
${list('Nye tilgangspakker · Access packages to add', cr.requiredAccessPackages.map(packageText))}
${list('Tilgangspakker som fjernes · Access packages to remove', cr.unwantedAccessPackages.map(packageText))}
${model.systemUser ? held(model.systemUser) : ''}
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}
${cr.status === 'New' ? form(model.actionUrl) : html`<p>Endringen kan ikke lenger godkjennes eller avvises. <span lang="en">The change can no longer be approved or rejected.</span></p>`}`,
  );
}

/** After a decision, when the change request has no `redirectUrl`. */
export function renderChangeOutcomePage(cr: ChangeRequestRecord, systemUser?: SystemUser): string {
  const accepted = cr.status === 'Accepted';
  const heading = accepted
    ? html`<h1>Endringen er godkjent</h1><p class="en" lang="en">The change was approved and applied to the system user.</p>`
    : html`<h1>Endringen er avvist</h1><p class="en" lang="en">The change was rejected.</p>`;
  return page(
    accepted ? 'Godkjent · Approved' : 'Avvist · Rejected',
    html`${heading}
<dl>
<dt>Status</dt><dd>${cr.status}</dd>
<dt>Endring · Change request</dt><dd><code>${cr.id}</code></dd>
<dt>Systembruker · System user</dt><dd><code>${cr.systemUserId}</code></dd>
</dl>
${systemUser ? held(systemUser) : ''}`,
  );
}

function held(systemUser: SystemUser): SafeHtml {
  return html`${list('Systembrukeren har nå · The system user now holds', [
    ...systemUser.rights.map(rightText),
    ...systemUser.accessPackages.map(packageText),
  ])}`;
}

const rightText = (right: Right) => right.resource.map((a) => a.value).join(' + ');
const packageText = (accessPackage: AccessPackage) => accessPackage.urn;

function list(heading: string, items: string[]): SafeHtml | string {
  if (items.length === 0) return '';
  return html`<h2>${heading}</h2><ul>${items.map((item) => html`<li><code>${item}</code></li>`)}</ul>`;
}

function form(actionUrl: string): SafeHtml {
  return html`<form method="post" action="${actionUrl}">
<div class="actions">
<button class="approve" type="submit" name="decision" value="accept">Godkjenn · Approve</button>
<button class="reject" type="submit" name="decision" value="reject">Avvis · Reject</button>
</div>
</form>`;
}
