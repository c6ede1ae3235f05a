import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config.js';
import { BROKER_METRIC_UNITS } from '../../infra/metric-names.js';
import { resolveKid, toPublicSigningJwk } from '../../shared/adapters/signing/kid.js';
import { MASKINPORTEN_ADMIN_SCOPE } from '../../shared/ports/maskinporten-admin.js';
import { DEMO } from '../../shared/sandbox/demo.js';
import { secretHits } from '../integration/safety/support.js';
import { configureBroker, scheduledEvent } from '../support/bundle/broker-setup.js';
import type { Json } from '../support/bundle/cloud-assembly.js';
import { emfLines, logRecords, metricNames } from '../support/bundle/emf.js';
import type { Invocation, LambdaContainer } from '../support/bundle/lambda-container.js';
import { type LocalCloud, startLocalCloud } from '../support/bundle/local-cloud.js';

// The scheduled key sync's bundle exactly as `cdk synth -c env=test` wrote it, run by Node 24 with
// the environment of its template: KMS (GetPublicKey, DescribeKey) from the stateful template's
// real RSA keys, the configuration secret, its admin token from the token function's bundle
// reached through the private API (SigV4 with the key sync's credentials, its role's
// execute-api:Invoke, the generated `infra:key-sync` rule), and Digdir's self-service API as the
// sandbox simulates it (../shared/reference/maskinporten-admin-api.md §3: the whole set is
// replaced by one POST; §4: Digdir's `exp`).

const config = ENVIRONMENTS.test;
const DAY_MS = 86_400_000;
const KEY_AGE_DAYS = 40;

describe('the synthesized key sync function on Node 24', () => {
  let cloud: LocalCloud;
  let broker: LambdaContainer;
  let keySync: LambdaContainer;
  let activeArn: string;
  let kid: string;
  const runs: Invocation[] = [];

  const run = async () => {
    const invocation = await keySync.invoke(
      scheduledEvent(cloud, `${config.names.dashboard}-key-sync`),
    );
    runs.push(invocation);
    expect(invocation.error, JSON.stringify(invocation.error)).toBeUndefined();
    return invocation;
  };
  const metricsOf = (invocation: Invocation): Record<string, number> =>
    Object.fromEntries(
      emfLines(invocation.stdout)
        .filter((line) => !('ColdStart' in line))
        .flatMap((line) => metricNames(line).map((name) => [name, line[name] as number])),
    );
  const stored = () => cloud.sandbox.maskinporten.selfService.stored(DEMO.clientId)?.keys ?? [];

  beforeAll(async () => {
    cloud = await startLocalCloud({
      cdkOut: inject('cdkOutTest'),
      config,
      extraScopes: [MASKINPORTEN_ADMIN_SCOPE],
    });
    configureBroker(cloud, []);
    broker = await cloud.start(config.names.function);
    cloud.privateApi.route(broker);
    const signingKey = cloud.environmentOf(config.names.keySyncFunction).template['SIGNING_KEY'];
    activeArn = String(signingKey).replace(/^kms:/, '');
    cloud.kms.setKey(activeArn, { createdAt: new Date(Date.now() - KEY_AGE_DAYS * DAY_MS) });
    const publicKey = cloud.kms.publicKey(activeArn);
    kid = await resolveKid(publicKey);
    // Ops registered the key by hand as a bare JWK, without `alg`: the sync registers it as the
    // broker publishes it. Same key and kid, so the broker's grants keep verifying meanwhile.
    const { alg: _alg, ...bare } = toPublicSigningJwk(publicKey, kid);
    cloud.sandbox.maskinporten.selfService.replace(DEMO.clientId, [bare]);
    keySync = await cloud.start(config.names.keySyncFunction);
  });
  afterAll(async () => {
    await cloud?.close();
  });

  it("gets its environment from the template: Digdir's API and the broker's URL through the endpoint", () => {
    const { template, rewritten } = cloud.environmentOf(config.names.keySyncFunction);
    expect(rewritten.sort()).toEqual(['BROKER_URL', 'MASKINPORTEN_ADMIN_URL']);
    expect(template['MASKINPORTEN_ADMIN_URL']).toBe(cloud.sandbox.selfServiceUrl);
    const [[real, local]] = cloud.privateApi.urlStandIns as [[string, string]];
    expect(real).toBe(
      `https://${cloud.api.id}-${cloud.api.vpceIds[0]}.execute-api.${config.region}.amazonaws.com/${cloud.api.stage}`,
    );
    expect(template['BROKER_URL']).toBe(local);
  });

  it('registers the active key at Digdir, with an admin token the broker issued to its role', async () => {
    const invocation = await run();

    expect(invocation.result).toMatchObject({
      outcome: 'written',
      added: [],
      updated: [kid],
      removed: [],
      registered: [kid],
    });
    const [key] = stored();
    expect(stored()).toHaveLength(1);
    expect(key?.jwk).toMatchObject({ kid, alg: 'RS256', use: 'sig', kty: 'RSA' });
    // Through the private API: signed with the key sync's credentials, admitted by its role's
    // statement, answered by the token function's bundle with the admin scope.
    expect(cloud.privateApi.requests).toEqual([
      {
        method: 'POST',
        path: '/v1/token',
        sessionArn: `arn:aws:sts::${config.account}:assumed-role/${config.names.keySyncRole}/${config.names.keySyncFunction}`,
        vpceId: cloud.api.vpceIds[0],
        status: 200,
      },
    ]);
    const audit = logRecords(broker.output()).filter((r) =>
      String(r['message']).startsWith('token request'),
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).toContain(MASKINPORTEN_ADMIN_SCOPE);
    expect(audit[0]?.['outcome']).toBe('maskinporten');
  });

  it('emits KeySyncWrites and the active key’s age (from KMS) and days to Digdir’s exp', () => {
    const metrics = metricsOf(runs[0] as Invocation);
    expect(metrics['KeySyncWrites']).toBe(1);
    expect(metrics['KeySyncFailures']).toBeUndefined();
    expect(metrics['ActiveKeyAgeDays']).toBe(KEY_AGE_DAYS);
    expect(metrics['ActiveKeyExpiresInDays']).toBeGreaterThanOrEqual(364);
    for (const line of emfLines((runs[0] as Invocation).stdout)) {
      if ('ColdStart' in line) continue;
      expect(line._aws.CloudWatchMetrics.map((set) => set.Dimensions)).toEqual([
        [['service', 'environment']],
      ]);
      expect(line['environment']).toBe(config.name);
      for (const metric of line._aws.CloudWatchMetrics.flatMap((set) => set.Metrics)) {
        expect(BROKER_METRIC_UNITS, metric.Name).toHaveProperty(metric.Name, metric.Unit);
      }
    }
  });

  it('writes nothing the next hour: the set already holds what it should', async () => {
    const invocation = await run();

    expect(invocation.result).toEqual({ outcome: 'unchanged', registered: [kid] });
    const metrics = metricsOf(invocation);
    expect(metrics['KeySyncWrites']).toBeUndefined();
    expect(metrics['KeySyncFailures']).toBeUndefined();
    expect(metrics['ActiveKeyAgeDays']).toBe(KEY_AGE_DAYS);
  });

  it('counts a failure when Digdir fails, and the next run is the retry', async () => {
    cloud.sandbox.faults.enqueue({ endpoint: 'selvbetjening', status: 503 });
    const invocation = await run();

    expect(invocation.result).toMatchObject({ outcome: 'failed' });
    expect(metricsOf(invocation)['KeySyncFailures']).toBe(1);
    const records = logRecords([...invocation.stdout, ...invocation.stderr]);
    expect(records.map((r) => r['message'])).toContain('key sync failed');
  });

  it('read KMS only as its role allows: GetPublicKey and DescribeKey, never Sign', () => {
    expect(cloud.problems()).toEqual([]);
    const own = cloud.callers.get(config.names.keySyncFunction)?.credentials.accessKeyId;
    const calls = cloud.kms.calls.filter((call) => call.accessKeyId === own);
    expect(new Set(calls.map((call) => call.operation))).toEqual(
      new Set(['GetPublicKey', 'DescribeKey']),
    );
    for (const call of calls) expect(call.input.KeyId).toBe(activeArn);
    const secretReads = cloud.secrets.calls.filter((call) => call.accessKeyId === own);
    expect(secretReads.map((call) => call.input.SecretId)).toEqual(
      runs.map(() => config.names.secret),
    );
  });

  it('logs JSON and never the admin token, in its own log or the broker’s', () => {
    const tokens = cloud.privateApi.tokens();
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    const output = [...keySync.output(), ...broker.output()];
    expect(secretHits(output.join('\n'), [...tokens, ...cloud.kms.dataKeys()])).toEqual([]);
    const records = logRecords(keySync.output());
    expect(records.map((r) => r['message'])).toEqual(
      expect.arrayContaining(['key set replaced', 'key set unchanged']),
    );
    const replaced = records.find((r) => r['message'] === 'key set replaced') as Json;
    expect(replaced.updated).toEqual([kid]);
  });
});
