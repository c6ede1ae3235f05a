import { describe, expect, it } from 'vitest';
import { startLocalServer } from '../../functions/local/server.js';
import {
  createLambdaGate,
  createLambdaRuntime,
  createProxyHandler,
} from '../../functions/token/create-handler.js';
import type { ApiGatewayProxyEvent } from '../../shared/adapters/http/apigateway-event.js';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import { systemClock } from '../../shared/ports/clock.js';
import { readFixture } from '../support/fixtures.js';
import { mockKmsWithRealKey, TEST_KMS_KEY_ARN } from '../support/kms-mock.js';
import { RecordingLogger } from '../support/recording-logger.js';

// Both shells refuse to start with Maskinporten of one environment and Altinn of the other
// (test Maskinporten with production Altinn, or the reverse), before any upstream is called.

const MISMATCHES = [
  [
    'test Maskinporten with production Altinn',
    'https://test.maskinporten.no/',
    'https://platform.altinn.no',
  ],
  [
    'production Maskinporten with TT02',
    'https://maskinporten.no/',
    'https://platform.tt02.altinn.no',
  ],
] as const;

describe.each(MISMATCHES)('a broker configured with %s', (_name, issuer, platform) => {
  it('does not start locally', async () => {
    await expect(
      startLocalServer({
        env: {
          PORT: '0',
          MASKINPORTEN_ISSUER: issuer,
          MASKINPORTEN_CLIENT_ID: 'client',
          SIGNING_KEY: 'file:/nonexistent.pem',
          ALTINN_PLATFORM_URL: platform,
        },
        logger: new RecordingLogger(),
        metrics: new InMemoryMetrics(),
      }),
    ).rejects.toThrow(/belong to different environments/);
  });

  it('answers every Lambda request 500 and logs why, without reading its secret', async () => {
    const logger = new RecordingLogger();
    let secretReads = 0;
    const { client } = mockKmsWithRealKey();
    const env = {
      MASKINPORTEN_ISSUER: issuer,
      SIGNING_KEY: `kms:${TEST_KMS_KEY_ARN}`,
      BROKER_CONFIG_SECRET: 'maskinporten-broker/test',
      ALTINN_PLATFORM_URL: platform,
    };
    const handler = createProxyHandler(
      () =>
        createLambdaRuntime({
          env,
          clock: systemClock,
          logger,
          metrics: new InMemoryMetrics(),
          secrets: {
            getJson: async () => {
              secretReads++;
              return { clientId: 'client' };
            },
          },
          kmsClient: () => client,
          parameters: {
            getText: async () => {
              throw new Error('the policy parameter is not read when the start fails first');
            },
          },
        }),
      logger,
      () => createLambdaGate({ env, logger, metrics: new InMemoryMetrics() }),
    );
    const event = readFixture<ApiGatewayProxyEvent>('apigateway/rest-v1-iam-auth.json');

    const result = await handler({ ...event, httpMethod: 'GET', path: '/v1/health', body: null });

    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({
      error: 'server_error',
      error_description: 'the broker is not configured correctly',
    });
    expect(secretReads).toBe(0);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'broker failed to start',
        fields: { reason: expect.stringMatching(/belong to different environments/) },
      }),
    );
  });
});
