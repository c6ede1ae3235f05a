import { DEMO, seedDemo } from '../../shared/sandbox/demo.js';
import { type SandboxServer, startSandboxServer } from '../../shared/sandbox/sandbox.js';
import {
  createTestKey,
  type GrantSpec,
  type ManualClock,
  manualClock,
  postToken,
  signGrant,
  type TestKey,
  type TokenAnswer,
} from './sandbox-grants.js';

export interface TestSandbox {
  sandbox: SandboxServer;
  clock: ManualClock;
  /** The demo client's key (`DEMO.clientId`, vendor 310547891, demo system users seeded). */
  key: TestKey;
  clientId: string;
  /** Signs a grant for the demo client at the clock's current second. */
  grant(overrides?: Partial<Omit<GrantSpec, 'issuer'>>): Promise<string>;
  /** Signs a grant and POSTs it to the token endpoint. */
  requestToken(overrides?: Partial<Omit<GrantSpec, 'issuer'>>): Promise<TokenAnswer>;
}

/** A sandbox on 127.0.0.1:0 with the demo data and a manual clock. Close it in `afterAll`. */
export async function startTestSandbox(): Promise<TestSandbox> {
  const clock = manualClock();
  const sandbox = await startSandboxServer({ clock });
  const key = await createTestKey('demo-key-1');
  const { clientId } = seedDemo(sandbox, { publicJwk: key.publicJwk });
  const grant = (overrides: Partial<Omit<GrantSpec, 'issuer'>> = {}) =>
    signGrant({
      issuer: sandbox.issuer,
      clientId,
      key,
      now: clock.seconds(),
      scope: DEMO.scopes[0],
      ...overrides,
    });
  return {
    sandbox,
    clock,
    key,
    clientId,
    grant,
    requestToken: async (overrides) =>
      postToken(sandbox.maskinporten.tokenEndpoint, { assertion: await grant(overrides) }),
  };
}
