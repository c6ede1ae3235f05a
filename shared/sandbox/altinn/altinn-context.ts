import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../ports/clock.js';
import type { BearerVerifier, VendorPrincipal } from './altinn-auth.js';
import type { AltinnReply } from './altinn-http.js';
import type { AltinnRegistry } from './altinn-registry.js';
import type { ChangeRequestStore } from './change-requests/change-request-store.js';
import type { AltinnTokenExchange } from './exchange/altinn-exchange.js';
import type { SystemUserRequestRecord } from './requests/request-model.js';
import type { SystemUserRequestStore } from './requests/request-store.js';

/** Scopes per Altinn policy (reference §6.1; AA `AuthzConstants`). */
export const SCOPES = {
  registerWrite: 'altinn:authentication/systemregister.write',
  registerAdmin: 'altinn:authentication/systemregister.admin',
  requestWrite: 'altinn:authentication/systemuser.request.write',
  requestRead: 'altinn:authentication/systemuser.request.read',
} as const;

/** What the vendor-API handlers share. */
export interface AltinnDeps {
  registry: AltinnRegistry;
  requests: SystemUserRequestStore;
  changeRequests: ChangeRequestStore;
  clock: Clock;
  /** `{origin}{basePath}/altinn`, no trailing slash. */
  platformUrl: string;
  /** `{platformUrl}/authentication/api/v1/`. */
  apiBase: string;
  confirmUrl(record: SystemUserRequestRecord): string;
  /** `.../accessmanagement/ui/systemuser/changerequest?id=<id>&DONTCHOOSEREPORTEE=true`. */
  changeConfirmUrl(id: string): string;
  pageSize(): number;
  exchange: AltinnTokenExchange;
  /** Vendor APIs: Maskinporten tokens, and exchanged Altinn tokens. */
  vendorTokens: BearerVerifier;
  /** Token exchange: Maskinporten tokens only. */
  maskinportenTokens: BearerVerifier;
  onExchange(): void;
}

export interface AltinnRequestContext {
  req: IncomingMessage;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Present on routes with `scopes`. */
  principal: VendorPrincipal;
  deps: AltinnDeps;
}

export type AltinnFaultTarget = 'altinn' | 'exchange';

/** One endpoint under `{platform}/authentication/api/v1/`. */
export interface AltinnRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative path with `{param}` segments, e.g. `systemregister/vendor/{systemId}`. */
  path: string;
  /** Vendor token with any of these scopes; omitted for endpoints that authenticate themselves. */
  scopes?: readonly string[];
  fault?: AltinnFaultTarget;
  handle(ctx: AltinnRequestContext): Promise<AltinnReply> | AltinnReply;
}
