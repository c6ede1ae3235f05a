import { describe, expect, it } from 'vitest';
import { packageInfo } from '../../../../shared/sandbox/altinn/access-packages.js';
import { EntityRegister } from '../../../../shared/sandbox/altinn/entity-register.js';

describe('EntityRegister: a lookup, not a check digit (reference §3.2 step 4.4)', () => {
  it('knows only what was added', () => {
    const register = new EntityRegister();

    register.add('910753614', 'Kunde AS');

    expect(register.has('910753614')).toBe(true);
    expect(register.get('910753614')).toEqual({ orgNo: '910753614', name: 'Kunde AS' });
    expect(register.has('313725138')).toBe(false);
    expect(register.get('313725138')).toBeUndefined();
  });

  it('makes a block of valid orgnos exist, never one with a bad check digit', () => {
    const register = new EntityRegister();

    register.addBlock('31');

    expect(register.has('313725138')).toBe(true);
    expect(register.has('313725139')).toBe(false);
    expect(register.has('910753614')).toBe(false);
    expect(register.snapshot()).toEqual({ organisations: [], blocks: ['31'] });
  });

  it.each([
    ['a bad check digit', () => new EntityRegister().add('123456789')],
    ['eight digits', () => new EntityRegister().add('12345678')],
    ['a blank name', () => new EntityRegister().add('910753614', ' ')],
    ['a block of nine digits', () => new EntityRegister().addBlock('910753614')],
    ['a block that is not digits', () => new EntityRegister().addBlock('3x')],
  ])('refuses %s', (_label, action) => {
    expect(action).toThrow();
  });
});

describe('packageInfo: the catalogue flags behind AUTH-00064/00065', () => {
  it.each([
    ['an ordinary package', 'urn:altinn:accesspackage:skattegrunnlag', true, false],
    [
      'a client-relationship package',
      'urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet',
      false,
      true,
    ],
    ['an auditor package', 'urn:altinn:accesspackage:ansvarlig-revisor', false, true],
    ['an administration package', 'urn:altinn:accesspackage:hovedadministrator', false, false],
  ])('%s', (_label, urn, isAssignable, isDelegable) => {
    expect(packageInfo(urn)).toEqual({ isAssignable, isDelegable });
  });

  it('knows no URN that is not a package', () => {
    expect(packageInfo('urn:altinn:resource:x')).toBeUndefined();
    expect(packageInfo('urn:altinn:accesspackage:Upper')).toBeUndefined();
  });
});
