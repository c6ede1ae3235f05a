import { describe, expect, it } from 'vitest';
import { run, type SystemUserCliDeps } from '../../../functions/ops/systemuser-commands.js';
import type { CliEnvironment, CliTarget } from '../../../functions/ops/systemuser-connect.js';
import { resolveTarget } from '../../../functions/ops/systemuser-connect.js';
import {
  AltinnError,
  type AltinnSystem,
  type AltinnVendorApi,
} from '../../../shared/ports/altinn.js';
import { Deadline } from '../../../shared/ports/deadline.js';
import { fakeFetch } from '../../support/fake-fetch.js';

const CLIENT = '5f1c2a9e-8d4b-4c1e-9a57-3b7e0d2f6a10';
const SYSTEM = '310547891_demo_broker';
const document = {
  id: SYSTEM,
  vendor: { authority: 'iso6523-actorid-upis', ID: '0192:310547891' },
  name: { nb: 'Demo', nn: 'Demo', en: 'Demo' },
  description: { nb: 'Megler', nn: 'Meklar', en: 'Broker' },
  accessPackages: [{ urn: 'urn:altinn:accesspackage:skattegrunnlag' }],
  clientId: [CLIENT],
  allowedredirecturls: ['https://vendor.example/receipt'],
};

/** Altinn's register in a map; every call recorded. */
function fakeRegister(initial: Record<string, AltinnSystem> = {}, failWith?: AltinnError) {
  const systems = new Map(Object.entries(initial));
  const calls: string[] = [];
  const fail = () => {
    if (failWith) throw failWith;
  };
  const api = {
    createSystem: async (system: AltinnSystem) => {
      calls.push(`create ${system['id']}`);
      fail();
      systems.set(system['id'] as string, system);
      return 'internal-guid';
    },
    updateSystem: async (id: string, system: AltinnSystem) => {
      calls.push(`update ${id}`);
      fail();
      systems.set(id, system);
      return true;
    },
    getSystem: async (id: string) => {
      calls.push(`get ${id}`);
      return systems.get(id);
    },
    listSystems: async () => {
      calls.push('list');
      return [...systems.values()];
    },
  } as Partial<AltinnVendorApi> as AltinnVendorApi;
  return { api, calls, systems };
}

function cli(
  options: {
    files?: Record<string, string>;
    altinn?: AltinnVendorApi;
    target?: (env: CliEnvironment) => CliTarget;
  } = {},
) {
  let stdout = '';
  let stderr = '';
  const opened: CliEnvironment[] = [];
  const deps: SystemUserCliDeps = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    readFile: async (path) => {
      const text = options.files?.[path];
      if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return text;
    },
    target:
      options.target ??
      ((env) => ({
        env,
        clientId: CLIENT,
        systemId: SYSTEM,
        describe: `fake ${env}`,
        open: async () => {
          opened.push(env);
          return options.altinn ?? fakeRegister().api;
        },
      })),
  };
  return {
    run: (...argv: string[]) => run(argv, deps),
    out: () => stdout,
    err: () => stderr,
    opened,
  };
}

describe('systemuser register', () => {
  it('checks the file, then creates a system Altinn does not have (POST), and prints it', async () => {
    const register = fakeRegister();
    const c = cli({ files: { 'system.json': JSON.stringify(document) }, altinn: register.api });

    expect(await c.run('register', '--file', 'system.json')).toBe(0);

    expect(register.calls).toEqual([`get ${SYSTEM}`, `create ${SYSTEM}`, `get ${SYSTEM}`]);
    expect(register.systems.get(SYSTEM)?.['allowedRedirectUrls']).toEqual([
      'https://vendor.example/receipt',
    ]);
    expect(c.out()).toContain(`Created system ${SYSTEM} (Altinn's internal id internal-guid)`);
    expect(c.opened).toEqual(['sandbox']);
  });

  it('replaces a system that exists (PUT)', async () => {
    const register = fakeRegister({ [SYSTEM]: { id: SYSTEM } });
    const c = cli({ files: { 'system.json': JSON.stringify(document) }, altinn: register.api });

    expect(await c.run('register', '--env', 'test', '--file', 'system.json')).toBe(0);

    expect(register.calls).toEqual([`get ${SYSTEM}`, `update ${SYSTEM}`, `get ${SYSTEM}`]);
    expect(c.out()).toContain(`Updated system ${SYSTEM}`);
    expect(c.opened).toEqual(['test']);
  });

  it('prints every problem and exits 2 without talking to Altinn', async () => {
    const bad = {
      ...document,
      id: '310547891_demo broker',
      clientId: ['someone-else'],
      name: { nb: 'x' },
    };
    const c = cli({ files: { 'system.json': JSON.stringify(bad) } });

    expect(await c.run('register', '--file', 'system.json')).toBe(2);

    expect(c.err()).toContain('would be refused (4 problems)');
    expect(c.err()).toContain('id: must not contain spaces');
    expect(c.err()).toContain("clientId: must include the broker's Maskinporten client id");
    expect(c.err()).toContain('name.nn: is required');
    expect(c.opened).toEqual([]);
  });

  it("refuses a system of another vendor than the broker's client, before Altinn would (403)", async () => {
    const register = fakeRegister();
    const c = cli({
      files: { 'system.json': JSON.stringify(document) },
      altinn: register.api,
      target: (env) => ({
        env,
        clientId: CLIENT,
        systemId: SYSTEM,
        vendorOrgNo: '910753614',
        describe: `fake ${env}`,
        open: async () => register.api,
      }),
    });

    expect(await c.run('register', '--file', 'system.json')).toBe(2);

    expect(c.err()).toContain('910753614');
    expect(register.calls).toEqual([]);
  });

  it('accepts a file with a BOM', async () => {
    const c = cli({ files: { 'system.json': `\uFEFF${JSON.stringify(document)}` } });
    expect(await c.run('register', '--file', 'system.json')).toBe(0);
  });

  it.each([
    [['register'], 'register needs --file'],
    [['register', '--file', 'missing.json'], 'cannot read missing.json: ENOENT'],
    [['register', '--file', 'junk.json'], 'junk.json is not valid JSON'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [[], 'a command is needed'],
    [['list', '--env', 'staging'], '--env must be one of sandbox, test, prod'],
    [['list', '--bogus'], "Unknown option '--bogus'"],
  ])('exits 2 for %j', async (argv, message) => {
    const c = cli({ files: { 'junk.json': '{' } });
    expect(await c.run(...argv)).toBe(2);
    expect(c.err()).toContain(message);
  });

  it("exits 1 and prints Altinn's code and validation errors when Altinn refuses", async () => {
    const refusal = new AltinnError('http', 'HTTP 400', {
      status: 400,
      problem: {
        code: 'STD-00000',
        title: 'One or more validation errors occurred.',
        validationErrors: [
          {
            code: 'AUTH.VLD-00004',
            detail: 'client id taken',
            paths: ['/registersystemrequest/clientid'],
          },
        ],
      },
    });
    const c = cli({
      files: { 'system.json': JSON.stringify(document) },
      altinn: fakeRegister({}, refusal).api,
    });

    expect(await c.run('register', '--file', 'system.json')).toBe(1);
    expect(c.err()).toContain(
      'Altinn refused (HTTP 400): STD-00000 One or more validation errors occurred.; AUTH.VLD-00004 client id taken (/registersystemrequest/clientid)',
    );
  });

  it('exits 2 when the environment is not configured', async () => {
    const c = cli({
      target: () => {
        throw new TypeError(
          'missing required environment variable(s): MASKINPORTEN_CLIENT_ID, SIGNING_KEY',
        );
      },
    });
    expect(await c.run('list', '--env', 'prod')).toBe(2);
    expect(c.err()).toContain('MASKINPORTEN_CLIENT_ID');
  });
});

describe('systemuser get and list', () => {
  it('prints the configured system by default, or --id', async () => {
    const c = cli({
      altinn: fakeRegister({ [SYSTEM]: { id: SYSTEM }, '310547891_other': { id: 'other' } }).api,
    });
    expect(await c.run('get')).toBe(0);
    expect(JSON.parse(c.out())).toEqual({ id: SYSTEM });
    expect(await c.run('get', '--id', '310547891_other')).toBe(0);
  });

  it('exits 1 for a system Altinn does not have', async () => {
    const c = cli();
    expect(await c.run('get', '--id', '310547891_nope')).toBe(1);
    expect(c.err()).toContain('Altinn has no system 310547891_nope');
  });

  it('lists the vendor’s systems', async () => {
    const c = cli({ altinn: fakeRegister({ [SYSTEM]: { id: SYSTEM } }).api });
    expect(await c.run('list')).toBe(0);
    expect(JSON.parse(c.out())).toEqual([{ id: SYSTEM }]);
  });

  it('prints usage for --help', async () => {
    const c = cli();
    expect(await c.run('--help')).toBe(0);
    expect(c.out()).toContain('Usage: npm run systemuser');
  });
});

describe('resolveTarget', () => {
  it('sandbox: vendor tokens from the broker’s POST /v1/token, Altinn under /sandbox/altinn', async () => {
    const fake = fakeFetch((request) =>
      request.url.endsWith('/v1/token')
        ? { body: { access_token: 'vendor-token', token_type: 'Bearer', expires_in: 120 } }
        : { text: '[]' },
    );
    const target = resolveTarget('sandbox', {
      brokerUrl: 'http://127.0.0.1:8080/',
      fetch: fake.fetch,
    });

    await (await target.open()).listSystems(Deadline.after(10_000));

    expect(target).toMatchObject({ clientId: CLIENT, systemId: SYSTEM, vendorOrgNo: '310547891' });
    expect(fake.requests.map((r) => r.url)).toEqual([
      'http://127.0.0.1:8080/v1/token',
      'http://127.0.0.1:8080/sandbox/altinn/authentication/api/v1/systemregister/vendor',
    ]);
    expect(JSON.parse(fake.requests[0]?.body ?? '')).toEqual({
      scope: 'altinn:authentication/systemregister.write',
      minTtl: 30,
    });
    expect(fake.requests[1]?.headers['authorization']).toBe('Bearer vendor-token');
  });

  it('sandbox: refuses a broker over plain http off loopback', () => {
    expect(() => resolveTarget('sandbox', { brokerUrl: 'http://broker.example.com' })).toThrow(
      /https/,
    );
  });

  it('test/prod: needs the client id and signing key, and uses the environment’s issuer and platform', () => {
    expect(() => resolveTarget('test', { brokerUrl: 'x', processEnv: {} })).toThrow(
      /MASKINPORTEN_CLIENT_ID, SIGNING_KEY/,
    );
    const target = resolveTarget('prod', {
      brokerUrl: 'x',
      processEnv: {
        MASKINPORTEN_CLIENT_ID: CLIENT,
        SIGNING_KEY: 'file:/dev/null',
        ALTINN_SYSTEM_ID: SYSTEM,
      },
    });
    expect(target).toMatchObject({ env: 'prod', clientId: CLIENT, systemId: SYSTEM });
    expect(target.describe).toBe(
      'prod: Maskinporten https://maskinporten.no/, Altinn https://platform.altinn.no',
    );
  });
});

describe('systemuser request get|delete', () => {
  const ID = '0c5c58ad-4fc1-4ef9-9c72-4a3376a0c3d0';
  const notFound = (code: string) =>
    new AltinnError('http', 'HTTP 404', { status: 404, problem: { code, validationErrors: [] } });
  const request = (systemId = SYSTEM) => ({
    id: ID,
    systemId,
    partyOrgNo: '910753614',
    status: 'Rejected',
    rights: [],
    accessPackages: [],
  });

  /** Altinn's request reads and DELETE, scripted; calls recorded. */
  function fakeRequests(options: { read?: 'found' | 'missing' | 'other system'; del?: Error }) {
    const calls: string[] = [];
    const api = {
      getRequest: async (type: string) => {
        calls.push(`get ${type}`);
        if (options.read === 'missing') throw notFound('AUTH-00010');
        return request(options.read === 'other system' ? '310547891_other' : SYSTEM);
      },
      deleteRequest: async (id: string) => {
        calls.push(`delete ${id}`);
        if (options.del) throw options.del;
      },
    } as Partial<AltinnVendorApi> as AltinnVendorApi;
    return { api, calls };
  }

  it('deletes a request of the broker’s system', async () => {
    const altinn = fakeRequests({ read: 'found' });
    const c = cli({ altinn: altinn.api });
    expect(await c.run('request', 'delete', '--id', ID)).toBe(0);
    expect(altinn.calls).toEqual(['get standard', `delete ${ID}`]);
    expect(c.out()).toContain(`Deleted system-user request ${ID}.`);
  });

  // Reference §3.5: an already deleted id is 404 AUTH-00010, so a retried DELETE reads 404.
  it.each([
    [
      'Altinn’s DELETE answers 404 (deleted meanwhile, or a retry)',
      { read: 'found', del: notFound('AUTH-00010') },
      ['get standard', `delete ${ID}`],
    ],
    ['Altinn has no such request', { read: 'missing' }, ['get standard', 'get agent']],
    ['it is another system’s (no DELETE sent)', { read: 'other system' }, ['get standard']],
  ] as const)('treats it as done when %s', async (_name, script, calls) => {
    const altinn = fakeRequests(script as Parameters<typeof fakeRequests>[0]);
    const c = cli({ altinn: altinn.api });
    expect(await c.run('request', 'delete', '--id', ID)).toBe(0);
    expect(altinn.calls).toEqual(calls);
    expect(c.out()).toContain('nothing to delete');
  });

  it('exits 1 when the DELETE fails otherwise', async () => {
    const failure = new AltinnError('http', 'HTTP 503', {
      status: 503,
      problem: { validationErrors: [] },
    });
    const c = cli({ altinn: fakeRequests({ read: 'found', del: failure }).api });
    expect(await c.run('request', 'delete', '--id', ID)).toBe(1);
    expect(c.err()).toContain('The broker could not do it');
  });

  it('prints a request, or exits 1 when there is none for the system', async () => {
    const c = cli({ altinn: fakeRequests({ read: 'found' }).api });
    expect(await c.run('request', 'get', '--id', ID)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ id: ID, status: 'Rejected', type: 'standard' });
    const missing = cli({ altinn: fakeRequests({ read: 'other system' }).api });
    expect(await missing.run('request', 'get', '--id', ID)).toBe(1);
    expect(missing.err()).toContain(`No system-user request ${ID} for ${SYSTEM} (other system)`);
  });

  it.each([
    [['request'], 'request needs an action'],
    [['request', 'frob', '--id', ID], 'request takes get or delete, not "frob"'],
    [['request', 'delete'], 'request delete needs --id'],
    [['request', 'delete', '--id', 'nope'], '--id must be a UUID'],
  ])('exits 2 for %j', async (argv, message) => {
    const c = cli();
    expect(await c.run(...argv)).toBe(2);
    expect(c.err()).toContain(message);
  });
});

describe('systemuser change create|get|list|delete', () => {
  const ORG = '910753614';
  const USER_ID = '0d7b6c8e-5a3f-4e21-9c4d-1f2e3a4b5c61';
  const changeRequest = (change: Record<string, unknown> = {}) => ({
    id: '7d1c2a9e-8d4b-4c1e-9a57-3b7e0d2f6a10',
    systemId: SYSTEM,
    systemUserId: USER_ID,
    partyOrgNo: ORG,
    externalRef: ORG,
    requiredRights: [{ resource: [{ id: 'urn:altinn:resource', value: 'demo-lonn' }] }],
    unwantedRights: [],
    requiredAccessPackages: [],
    unwantedAccessPackages: [],
    status: 'New',
    confirmUrl: 'https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/changerequest?id=x',
    ...change,
  });

  function fakeChanges(options: { created?: boolean; del?: Error } = {}) {
    const calls: unknown[][] = [];
    const api = {
      findSystemUser: async (key: unknown) => {
        calls.push(['findSystemUser', key]);
        return { id: USER_ID, systemId: SYSTEM, reporteeOrgNo: ORG, userType: 'standard' };
      },
      createChangeRequest: async (ids: unknown, body: unknown) => {
        calls.push(['createChangeRequest', ids, body]);
        return { created: options.created ?? true, changeRequest: changeRequest() };
      },
      getChangeRequest: async (id: string) => {
        calls.push(['getChangeRequest', id]);
        return changeRequest();
      },
      deleteChangeRequest: async (id: string) => {
        calls.push(['deleteChangeRequest', id]);
        if (options.del) throw options.del;
      },
      firstChangeRequestPage: async (systemId: string) => {
        calls.push(['firstChangeRequestPage', systemId]);
        return { items: [changeRequest()], more: false };
      },
    } as Partial<AltinnVendorApi> as AltinnVendorApi;
    return { api, calls };
  }

  it('creates a change request from the options, with the HTTP API’s rules and id', async () => {
    const altinn = fakeChanges();
    const c = cli({ altinn: altinn.api });
    expect(
      await c.run(
        'change',
        'create',
        '--org',
        ORG,
        '--require-right',
        'demo-lonn',
        '--unwant-package',
        'urn:altinn:accesspackage:skattegrunnlag',
      ),
    ).toBe(0);
    expect(altinn.calls[1]).toEqual([
      'createChangeRequest',
      { correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/), systemUserId: USER_ID },
      {
        requiredRights: [{ resource: [{ id: 'urn:altinn:resource', value: 'demo-lonn' }] }],
        unwantedRights: [],
        requiredAccessPackages: [],
        unwantedAccessPackages: [{ urn: 'urn:altinn:accesspackage:skattegrunnlag' }],
      },
    ]);
    expect(JSON.parse(c.out())).toMatchObject({ status: 'New', requiredRights: ['demo-lonn'] });
    expect(c.err()).toContain('send the confirmUrl to the customer');
  });

  it('lists, reads, and deletes; a delete Altinn answers 404 is done', async () => {
    const listed = cli({ altinn: fakeChanges().api });
    expect(await listed.run('change', 'list', '--org', ORG)).toBe(0);
    expect(JSON.parse(listed.out())).toMatchObject({
      complete: true,
      changeRequests: [{ status: 'New' }],
    });

    const read = cli({ altinn: fakeChanges().api });
    expect(await read.run('change', 'get', '--id', '7d1c2a9e-8d4b-4c1e-9a57-3b7e0d2f6a10')).toBe(0);

    const gone = new AltinnError('http', 'HTTP 404', {
      status: 404,
      problem: { code: 'AUTH-00010', validationErrors: [] },
    });
    const altinn = fakeChanges({ del: gone });
    const deleted = cli({ altinn: altinn.api });
    expect(
      await deleted.run('change', 'delete', '--id', '7d1c2a9e-8d4b-4c1e-9a57-3b7e0d2f6a10'),
    ).toBe(0);
    expect(deleted.out()).toContain('nothing to delete');
    expect(altinn.calls.map((call) => call[0])).toEqual([
      'getChangeRequest',
      'deleteChangeRequest',
    ]);
  });

  it.each([
    [['change'], 'change needs an action'],
    [['change', 'frob'], 'change takes create, get, list or delete, not "frob"'],
    [['change', 'create'], 'change create needs --org'],
    [['change', 'create', '--org', '123456789'], 'org: must be a 9-digit'],
    [
      ['change', 'create', '--org', ORG, '--require-right', 'a', '--unwant-right', 'a'],
      'unwantedRights: "a" is also in requiredRights',
    ],
    [['change', 'list'], 'org: is required'],
    [['change', 'get'], 'change get needs --id'],
  ])('exits 2 for %j, without talking to Altinn', async (argv, message) => {
    const c = cli();
    expect(await c.run(...argv)).toBe(2);
    expect(c.err()).toContain(message);
    expect(c.opened).toEqual([]);
  });
});
