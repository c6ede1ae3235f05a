import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENVIRONMENTS } from '../../infra/config.js';
import { BROKER_METRIC_UNITS } from '../../infra/metric-names.js';
import { secretHits } from '../integration/safety/support.js';
import { configureBroker, deployedPolicy, scheduledEvent } from '../support/bundle/broker-setup.js';
import { type Json, synthesizedFunction } from '../support/bundle/cloud-assembly.js';
import { emfLines, logRecords, metricNames } from '../support/bundle/emf.js';
import {
  BundleLoadError,
  type Invocation,
  type LambdaContainer,
} from '../support/bundle/lambda-container.js';
import { type LocalCloud, startLocalCloud } from '../support/bundle/local-cloud.js';

// The scheduled canary's bundle exactly as `cdk synth -c env=test` wrote it, run by Node 24 with
// the environment of its template: through every VPC endpoint's URL of the template (the private
// API on loopback: SigV4 with the canary's credentials, its role's execute-api:Invoke), the token
// function's bundle behind it, with the caller policy the template deploys (the generated
// `infra:smoke-test` rule). Healthy, it reports success; broken, it reports failure and why.

const config = ENVIRONMENTS.test;

describe('the synthesized canary function on Node 24', () => {
  let cloud: LocalCloud;
  let canary: LambdaContainer;
  const brokers: LambdaContainer[] = [];
  let workDir: string;

  const run = async () => {
    const invocation = await canary.invoke(
      scheduledEvent(cloud, `${config.names.dashboard}-canary`),
    );
    expect(invocation.error, JSON.stringify(invocation.error)).toBeUndefined();
    return invocation;
  };
  /** The run's metrics, EMF line by line (Powertools' own ColdStart left out). */
  const metricsOf = (invocation: Invocation): Record<string, number> => {
    const lines = emfLines(invocation.stdout).filter((line) => !('ColdStart' in line));
    for (const line of lines) {
      expect(line._aws.CloudWatchMetrics.map((set) => set.Dimensions)).toEqual([
        [['service', 'environment']],
      ]);
      expect(line['environment']).toBe(config.name);
      for (const metric of line._aws.CloudWatchMetrics.flatMap((set) => set.Metrics)) {
        expect(BROKER_METRIC_UNITS, metric.Name).toHaveProperty(metric.Name, metric.Unit);
      }
    }
    return Object.fromEntries(
      lines.flatMap((line) => metricNames(line).map((name) => [name, line[name] as number])),
    );
  };
  const logsOf = (invocation: Invocation) =>
    logRecords([...invocation.stdout, ...invocation.stderr]);
  /** A token function instance behind the private API, with the policy as it is now. */
  const deployBroker = async () => {
    const broker = await cloud.start(config.names.function);
    brokers.push(broker);
    cloud.privateApi.route(broker);
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({
      cdkOut: inject('cdkOutTest'),
      config,
      extraScopes: [config.smokeTest.scope],
    });
    configureBroker(cloud, []);
    await deployBroker();
    canary = await cloud.start(config.names.canaryFunction);
    workDir = mkdtempSync(join(tmpdir(), 'canary-bundle-'));
  });
  afterAll(async () => {
    await cloud?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('gets every VPC endpoint’s URL and the smoke scope from the template', () => {
    const { template, rewritten } = cloud.environmentOf(config.names.canaryFunction);
    expect(rewritten).toEqual(['BROKER_URLS']);
    expect(template['BROKER_URLS']?.split(',')).toEqual(
      cloud.privateApi.urlStandIns.map(([, local]) => local),
    );
    expect(cloud.privateApi.urlStandIns.map(([real]) => real)).toEqual(
      config.network.executeApiVpcEndpointIds.map(
        (vpce) =>
          `https://${cloud.api.id}-${vpce}.execute-api.${config.region}.amazonaws.com/${config.name}`,
      ),
    );
    expect(template['SMOKE_SCOPE']).toBe(config.smokeTest.scope);
  });

  it('reports success against a healthy broker: health and a smoke-scope token per endpoint', async () => {
    const invocation = await run();

    const checks = 2 * config.network.executeApiVpcEndpointIds.length;
    expect(invocation.result).toEqual({ ok: true, checks, failed: 0 });
    expect(metricsOf(invocation)).toMatchObject({ CanarySuccess: 1, CanaryFailures: 0 });
    const session = `arn:aws:sts::${config.account}:assumed-role/${config.names.canaryRole}/${config.names.canaryFunction}`;
    expect(cloud.privateApi.requests).toEqual(
      config.network.executeApiVpcEndpointIds.flatMap((vpceId) => [
        { method: 'GET', path: '/v1/health', sessionArn: session, vpceId, status: 200 },
        { method: 'POST', path: '/v1/token', sessionArn: session, vpceId, status: 200 },
      ]),
    );
    const messages = logsOf(invocation).map((r) => r['message']);
    expect(messages).toEqual(
      expect.arrayContaining(['canary health passed', 'canary token passed', 'canary run']),
    );
  });

  it('reports the caller policy’s refusal when a deploy lost the smoke rule', async () => {
    const policy = deployedPolicy(cloud);
    const withoutSmoke = policy.rules.filter((rule) => rule.name !== 'infra:smoke-test');
    expect(withoutSmoke).toHaveLength(policy.rules.length - 1);
    cloud.ssm.put(config.names.policyParameter, JSON.stringify({ ...policy, rules: withoutSmoke }));
    await deployBroker();

    const invocation = await run();

    expect(invocation.result).toEqual({ ok: false, checks: 2, failed: 1 });
    expect(metricsOf(invocation)).toMatchObject({ CanarySuccess: 0, CanaryFailures: 1 });
    const failed = logsOf(invocation).find((r) => r['message'] === 'canary token failed') as Json;
    expect(failed).toMatchObject({
      level: 'ERROR',
      check: 'token',
      kind: 'caller-policy',
      status: 403,
    });
    // The report names a VPC endpoint by its execute-api host; here the stand-in's URL.
    expect(failed.target).toBe(cloud.privateApi.urlStandIns[0]?.[1]);
  });

  it('reports failure when the broker cannot be invoked: a deploy whose bundle does not load', async () => {
    configureBroker(cloud, []);
    // The token function's asset with an AWS SDK client left external (test/bundle/broken-bundle):
    // it fails to load, so API Gateway answers every request itself with a 5xx.
    const fn = synthesizedFunction(cloud.assembly, config.names.function);
    const broken = join(workDir, 'broken');
    cpSync(fn.assetDir, broken, { recursive: true });
    const file = join(broken, fn.handlerFile);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        /^(.*\n)/,
        "$1import { KMSClient as __externalKms } from '@aws-sdk/client-kms';\n",
      ),
    );
    const failure = await cloud
      .start(config.names.function, { assetDir: broken })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BundleLoadError);
    cloud.privateApi.route(undefined);

    const invocation = await run();

    expect(invocation.result).toEqual({ ok: false, checks: 2, failed: 2 });
    expect(metricsOf(invocation)).toMatchObject({ CanarySuccess: 0, CanaryFailures: 2 });
    const failures = logsOf(invocation).filter((r) => String(r['message']).endsWith(' failed'));
    expect(failures.map((r) => [r['check'], r['kind']])).toEqual([
      ['health', 'server-error'],
      ['token', 'server-error'],
    ]);
    expect(String(failures[0]?.['detail'])).toContain('from API Gateway');
  });

  it('reports success again once a working broker is back', async () => {
    await deployBroker();
    const invocation = await run();
    expect(invocation.result).toMatchObject({ ok: true, failed: 0 });
    expect(metricsOf(invocation)).toMatchObject({ CanarySuccess: 1, CanaryFailures: 0 });
  });

  it('never logs the smoke token, and made no call its role does not allow', () => {
    const tokens = cloud.privateApi.tokens();
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    const output = [...canary.output(), ...brokers.flatMap((broker) => broker.output())];
    expect(secretHits(output.join('\n'), [...tokens, ...cloud.kms.dataKeys()])).toEqual([]);
    expect(cloud.problems()).toEqual([]);
    // The canary touches no AWS service but the API: no key, secret or parameter.
    const own = cloud.callers.get(config.names.canaryFunction)?.credentials.accessKeyId;
    const awsCalls = [...cloud.kms.calls, ...cloud.secrets.calls, ...cloud.ssm.calls];
    expect(awsCalls.filter((call) => call.accessKeyId === own)).toEqual([]);
  });
});
