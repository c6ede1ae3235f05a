import { describe, expect, it } from 'vitest';
import {
  AltinnRegistry,
  AltinnRegistryError,
} from '../../../../shared/sandbox/altinn/altinn-registry.js';

const VENDOR = '310547891';
const SYSTEM = `${VENDOR}_demo`;

function registryWithSystem() {
  const registry = new AltinnRegistry({ clock: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
  registry.registerSystem({ id: SYSTEM, vendorOrgNo: VENDOR, clientId: ['client-a'] });
  return registry;
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof AltinnRegistryError ? error.code : 'not-a-registry-error';
  }
  return undefined;
}

describe('system register', () => {
  it.each([
    [
      'an id without the vendor prefix',
      { id: '991825827_demo', vendorOrgNo: VENDOR },
      'AUTH.VLD-00001',
    ],
    ['an id with a space', { id: `${VENDOR}_de mo`, vendorOrgNo: VENDOR }, 'AUTH.VLD-00013'],
    ['an invalid vendor orgno', { id: '123456789_x', vendorOrgNo: '123456789' }, 'AUTH.VLD-00000'],
    ['an id already in use', { id: SYSTEM, vendorOrgNo: VENDOR }, 'AUTH.VLD-00002'],
    [
      'a client id of another system',
      { id: `${VENDOR}_other`, vendorOrgNo: VENDOR, clientId: ['client-a'] },
      'AUTH.VLD-00004',
    ],
    [
      'a repeated client id',
      { id: `${VENDOR}_other`, vendorOrgNo: VENDOR, clientId: ['c', 'c'] },
      'AUTH.VLD-00011',
    ],
  ])('refuses %s', (_label, input, code) => {
    const registry = registryWithSystem();

    expect(codeOf(() => registry.registerSystem(input))).toBe(code);
  });

  it('hands out copies, so callers cannot change its state', () => {
    const registry = registryWithSystem();

    registry.getSystem(SYSTEM)?.clientId.push('smuggled');

    expect(registry.getSystem(SYSTEM)?.clientId).toEqual(['client-a']);
    expect(registry.systemForClient('smuggled')).toBeUndefined();
  });

  it('links a client id to one system only', () => {
    const registry = registryWithSystem();
    registry.registerSystem({ id: `${VENDOR}_second`, vendorOrgNo: VENDOR });

    registry.linkClient(`${VENDOR}_second`, 'client-b');

    expect(registry.systemForClient('client-b')?.id).toBe(`${VENDOR}_second`);
    expect(codeOf(() => registry.linkClient(SYSTEM, 'client-b'))).toBe('AUTH.VLD-00004');
  });
});

describe('system users', () => {
  it('defaults externalRef to the owner orgno and records the creation time', () => {
    const registry = registryWithSystem();

    const user = registry.createSystemUser({ systemId: SYSTEM, reporteeOrgNo: '910753614' });

    expect(user).toMatchObject({
      systemId: SYSTEM,
      reporteeOrgNo: '910753614',
      externalRef: '910753614',
      userType: 'standard',
      created: '2026-01-02T03:04:05.000Z',
      isDeleted: false,
    });
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a second active system user for the same (system, owner, externalRef)', () => {
    const registry = registryWithSystem();
    registry.createSystemUser({ systemId: SYSTEM, reporteeOrgNo: '910753614' });

    const duplicate = () =>
      registry.createSystemUser({
        systemId: SYSTEM,
        reporteeOrgNo: '910753614',
        externalRef: '910753614',
      });

    expect(codeOf(duplicate)).toBe('AUTH-00004');
    expect(
      registry.createSystemUser({ systemId: SYSTEM, reporteeOrgNo: '910753614', externalRef: 'b' }),
    ).toMatchObject({ externalRef: 'b' });
  });

  it('allows a new system user once the old one is deleted', () => {
    const registry = registryWithSystem();
    const old = registry.createSystemUser({ systemId: SYSTEM, reporteeOrgNo: '910753614' });

    registry.deleteSystemUser(old.id);
    const fresh = registry.createSystemUser({ systemId: SYSTEM, reporteeOrgNo: '910753614' });

    expect(fresh.id).not.toBe(old.id);
    expect(registry.getSystemUser(old.id)?.isDeleted).toBe(true);
  });

  it.each([
    ['an unknown system', { systemId: `${VENDOR}_nope`, reporteeOrgNo: '910753614' }, 'AUTH-00011'],
    ['an invalid owner orgno', { systemId: SYSTEM, reporteeOrgNo: '987654321' }, 'AUTH-00000'],
    [
      'a blank externalRef',
      { systemId: SYSTEM, reporteeOrgNo: '910753614', externalRef: ' ' },
      'AUTH.VLD-00000',
    ],
  ])('refuses %s', (_label, input, code) => {
    const registry = registryWithSystem();

    expect(codeOf(() => registry.createSystemUser(input))).toBe(code);
  });
});

describe('findSystemUser (the Maskinporten lookup)', () => {
  function seeded() {
    const registry = registryWithSystem();
    const plain = registry.createSystemUser({ systemId: SYSTEM, reporteeOrgNo: '910753614' });
    const withRef = registry.createSystemUser({
      systemId: SYSTEM,
      reporteeOrgNo: '313725138',
      externalRef: 'avdeling-nord',
    });
    return { registry, plain, withRef };
  }

  it('resolves client id → system → owner, with externalRef defaulting to the owner', () => {
    const { registry, plain } = seeded();

    const found = registry.findSystemUser({
      clientId: 'client-a',
      systemUserOwnerOrgNo: '910753614',
    });

    expect(found).toMatchObject({ ok: true, system: { id: SYSTEM }, systemUser: { id: plain.id } });
  });

  it('needs the externalRef a system user was created with', () => {
    const { registry, withRef } = seeded();
    const query = { clientId: 'client-a', systemUserOwnerOrgNo: '313725138' };

    expect(registry.findSystemUser(query)).toEqual({ ok: false, reason: 'no_system_user' });
    expect(registry.findSystemUser({ ...query, externalRef: 'avdeling-nord' })).toMatchObject({
      ok: true,
      systemUser: { id: withRef.id },
    });
  });

  it.each([
    [{ clientId: 'client-z', systemUserOwnerOrgNo: '910753614' }, 'client_not_on_any_system'],
    [
      { clientId: 'client-a', systemUserOwnerOrgNo: '910753614', systemProviderOrgNo: '991825827' },
      'vendor_mismatch',
    ],
    [{ clientId: 'client-a', systemUserOwnerOrgNo: '314112938' }, 'no_system_user'],
  ])('fails %# with %s', (query, reason) => {
    const { registry } = seeded();

    expect(registry.findSystemUser(query)).toEqual({ ok: false, reason });
  });
});
