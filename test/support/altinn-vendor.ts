import { randomUUID } from 'node:crypto';
import { DEMO } from '../../shared/sandbox/demo.js';
import type { TestSandbox } from './sandbox-fixture.js';
import { createTestKey, postToken, signGrant } from './sandbox-grants.js';

export const SCOPE = {
  registerWrite: 'altinn:authentication/systemregister.write',
  requestWrite: 'altinn:authentication/systemuser.request.write',
  requestRead: 'altinn:authentication/systemuser.request.read',
} as const;

export const ALL_ALTINN_SCOPES = Object.values(SCOPE).join(' ');

/** Another vendor (Digdir's orgno) with its own Maskinporten client, for 403/404 cases. */
export const OTHER_VENDOR = '991825827';

export interface AltinnAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected freely
  json: any;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Raw body; sent with `contentType` (default application/json). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A vendor token for the demo client (vendor 310547891) with the given scopes. */
export async function vendorToken(t: TestSandbox, scope = ALL_ALTINN_SCOPES): Promise<string> {
  const answer = await t.requestToken({ scope });
  if (answer.status !== 200) throw new Error(`no vendor token: ${JSON.stringify(answer.json)}`);
  return answer.json['access_token'] as string;
}

/** Registers the other vendor's client once and returns a token factory for it. */
export async function otherVendor(t: TestSandbox) {
  const key = await createTestKey(`other-${randomUUID()}`);
  const clientId = `other-vendor-${randomUUID()}`;
  t.sandbox.maskinporten.registerClient({
    clientId,
    orgnr: OTHER_VENDOR,
    scopes: [...Object.values(SCOPE)],
    keys: [key.publicJwk],
  });
  return async (scope = ALL_ALTINN_SCOPES) => {
    const assertion = await signGrant({
      issuer: t.sandbox.issuer,
      clientId,
      key,
      now: t.clock.seconds(),
      scope,
    });
    const answer = await postToken(t.sandbox.maskinporten.tokenEndpoint, { assertion });
    return answer.json['access_token'] as string;
  };
}

/** Calls `{platform}/authentication/api/v1/{path}`. */
export async function altinn(
  t: TestSandbox,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<AltinnAnswer> {
  const url = path.startsWith('http')
    ? path
    : `${t.sandbox.altinnPlatformUrl}/authentication/api/v1/${path}`;
  const body =
    options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(url, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }),
      ...options.headers,
    },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A standard request body for the demo system. */
export function standardRequest(partyOrgNo: string, extra: Record<string, unknown> = {}) {
  return {
    systemId: DEMO.systemId,
    partyOrgNo,
    rights: [DEMO.onboarding.right],
    redirectUrl: DEMO.onboarding.redirectUrl,
    ...extra,
  };
}

/** An agent request body for the demo system. */
export function agentRequest(partyOrgNo: string, extra: Record<string, unknown> = {}) {
  return {
    systemId: DEMO.systemId,
    partyOrgNo,
    accessPackages: [{ urn: DEMO.onboarding.agentPackage }],
    ...extra,
  };
}

/** Submits the approval form at a confirmUrl. */
export async function submitDecision(
  confirmUrl: string,
  form: Record<string, string>,
): Promise<{ status: number; location: string | null; html: string }> {
  const response = await fetch(confirmUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(5000),
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    html: await response.text(),
  };
}

/** Valid MOD11 orgnos (weights 3,2,7,6,5,4,3,2), derived from an 8-digit seed range. */
export function validOrgNos(count: number, seed = 31000000): string[] {
  const weights = [3, 2, 7, 6, 5, 4, 3, 2];
  const out: string[] = [];
  for (let base = seed; out.length < count; base++) {
    const digits = String(base).padStart(8, '0');
    const sum = [...digits].reduce((acc, d, i) => acc + Number(d) * (weights[i] as number), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    out.push(`${digits}${check === 11 ? 0 : check}`);
  }
  return out;
}
