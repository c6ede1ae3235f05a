/**
 * A child process for the batched writer's test: writes `count` audit lines through the local
 * server's logger and then ends the way `how` says, at once, with lines still held.
 * Usage: tsx log-burst.ts <count> <exit|signal|drain> [nonblocking]
 */
import { batchedLineWriter } from '../../../shared/adapters/logging/batched-line-writer.js';
import { jsonLineLogger } from '../../../shared/adapters/logging/json-line-logger.js';

const [countArg, how, blocking] = process.argv.slice(2);
const count = Number(countArg);
// Touching process.stdout makes libuv open fd 1 as a non-blocking pipe: a slow reader then
// answers EAGAIN, which the writer must wait out.
if (blocking === 'nonblocking') void process.stdout;
const out = batchedLineWriter();
const logger = jsonLineLogger({ serviceName: 'burst', writer: out });
process.once('SIGTERM', () => process.exit(0));
for (let i = 0; i < count; i++) {
  logger.info('token request', {
    caller: 'local',
    seq: i,
    scopes: ['krr:global/kontaktinformasjon.read'],
  });
}
if (how === 'exit') process.exit(0);
if (how === 'signal') process.kill(process.pid, 'SIGTERM');
// 'drain': the event loop ends on its own.
