import { batchedLineWriter } from '../../shared/adapters/logging/batched-line-writer.js';
import { jsonLineLogger } from '../../shared/adapters/logging/json-line-logger.js';
import { InMemoryMetrics } from '../../shared/adapters/metrics/in-memory-metrics.js';
import { SERVICE_NAME } from '../../shared/config/env-names.js';
import { DEMO } from '../../shared/sandbox/demo.js';
import { type LocalServer, startLocalServer } from './server.js';

/** `npm start`: the broker on loopback; without MASKINPORTEN_ISSUER, on the embedded sandbox. */
async function main(): Promise<void> {
  // Audit lines are written in batches; the writer flushes at exit, so the signal handlers below
  // end with process.exit().
  const out = batchedLineWriter();
  const logger = jsonLineLogger({
    serviceName: SERVICE_NAME,
    level: process.env['POWERTOOLS_LOG_LEVEL'] || undefined,
    writer: out,
  });
  let server: LocalServer;
  try {
    server = await startLocalServer({
      logger,
      metrics: new InMemoryMetrics({ maxTimingsPerName: 1_000 }),
    });
  } catch (error) {
    out.flushSync();
    console.error(
      `maskinporten-broker failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
  out.flushSync();
  console.log(banner(server));
  const stop = () => {
    server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function banner(server: LocalServer): string {
  const { url, config, sandbox, clientId, kid, nextKid: next, warnings } = server;
  const lines = [
    `maskinporten-broker listening on ${url} (${sandbox ? 'sandbox mode' : `issuer ${config.issuer}`})`,
    `  client ${clientId}, kid ${kid}${next ? ` (next ${next})` : ''}, cache ${config.tokenCacheTable ? `memory + DynamoDB table ${config.tokenCacheTable}` : 'memory'}`,
    `  caller policy: ${config.policyFile ?? 'none (one local identity may ask for anything)'}`,
    ...warnings.map((warning) => `  WARNING: ${warning}`),
  ];
  if (sandbox) {
    const { customers } = DEMO;
    lines.push(
      `  simulated Maskinporten: ${sandbox.issuer}`,
      `  simulated Altinn:       ${sandbox.altinnPlatformUrl}`,
      `  demo vendor ${DEMO.vendor.orgNo} (${DEMO.vendor.name}), scopes: ${DEMO.scopes.join(' ')}`,
      '  demo customers:',
      `    ${customers.standard.orgNo}  standard system user`,
      `    ${customers.withExternalRef.orgNo}  standard system user, externalRef "${customers.withExternalRef.externalRef}"`,
      `    ${customers.agent.orgNo}  agent system user`,
      `    ${customers.withoutSystemUser.orgNo}  no system user (MP-303)`,
      '',
      'Get a system-user token:',
      `  curl -s ${url}/v1/token -H 'content-type: application/json' -d '{"scope":"krr:global/kontaktinformasjon.read","org":"${customers.standard.orgNo}"}'`,
      '',
      `Onboard a new customer (then open the confirmUrl it returns and approve):`,
      `  curl -s ${url}/v1/systemuser-requests -H 'content-type: application/json' -d '{"org":"${DEMO.onboarding.prospects[0]}","type":"standard","rights":["${DEMO.onboarding.right.resource[0]?.value}"]}'`,
    );
  }
  return lines.join('\n');
}

await main();
