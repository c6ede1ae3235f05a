import { describe, expect, it } from 'vitest';
import { createCanaryHandler } from '../../../functions/canary/create-handler.js';
import { InMemoryMetrics } from '../../../shared/adapters/metrics/in-memory-metrics.js';
import { RecordingLogger } from '../../support/recording-logger.js';

const URL_A = 'https://a1b2c3d4e5-vpce-0aaaaaaaaaaaaaaa1.execute-api.eu-north-1.amazonaws.com/test';
const URL_B = 'https://a1b2c3d4e5-vpce-0aaaaaaaaaaaaaaa2.execute-api.eu-north-1.amazonaws.com/test';
const SCOPE = 'example:maskinporten-broker/smoke-test';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6InNtb2tlIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

/** The broker through endpoint A; endpoint B's caller policy refuses the canary. */
const fakeBroker: typeof fetch = async (input, init) => {
  const url = new URL(String(input));
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  if (!new Headers(init?.headers).get('authorization')) return json(500, {});
  if (url.pathname.endsWith('/v1/health')) return json(200, { status: 'ok' });
  if (url.hostname.includes('vpce-0aaaaaaaaaaaaaaa1')) {
    return json(200, { access_token: TOKEN, token_type: 'Bearer', expires_in: 119, scope: SCOPE });
  }
  return json(403, { error: 'access_denied', error_description: 'caller x is not allowed' });
};

function canary(env: Record<string, string>) {
  const logger = new RecordingLogger();
  const metrics = new InMemoryMetrics();
  const run = createCanaryHandler({
    env,
    logger,
    metrics,
    signer: {
      sign: async (request) => ({ ...request.headers, authorization: 'AWS4-HMAC-SHA256 x' }),
    },
    fetch: fakeBroker,
  });
  return { run, logger, metrics };
}

describe('the canary', () => {
  it('checks every endpoint, logs each check, and counts the run as failed if one check failed', async () => {
    const { run, logger, metrics } = canary({
      BROKER_URLS: `${URL_A},${URL_B}`,
      SMOKE_SCOPE: SCOPE,
    });

    const summary = await run();

    expect(summary).toEqual({ ok: false, checks: 4, failed: 1 });
    expect(metrics.get('CanarySuccess')).toBe(0);
    expect(metrics.get('CanaryFailures')).toBe(1);
    const failed = logger.entries.find((entry) => entry.level === 'error');
    expect(failed?.fields).toMatchObject({
      target: 'vpce-0aaaaaaaaaaaaaaa2',
      check: 'token',
      kind: 'caller-policy',
    });
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('counts a run that passes everywhere as 1 CanarySuccess', async () => {
    const { run, metrics } = canary({ BROKER_URLS: URL_A, SMOKE_SCOPE: SCOPE });
    expect(await run()).toEqual({ ok: true, checks: 2, failed: 0 });
    expect(metrics.get('CanarySuccess')).toBe(1);
    expect(metrics.get('CanaryFailures')).toBe(0);
  });

  it('counts a run without its configuration as failed, naming what is missing', async () => {
    const { run, logger, metrics } = canary({ SMOKE_SCOPE: SCOPE });
    expect(await run()).toEqual({ ok: false, checks: 0, failed: 1 });
    expect(metrics.get('CanaryFailures')).toBe(1);
    expect(logger.entries[0]).toMatchObject({
      level: 'error',
      message: 'canary is not configured',
      fields: { missing: ['BROKER_URLS'] },
    });
  });
});
