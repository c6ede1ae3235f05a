import { readFile } from 'node:fs/promises';
import { run } from './systemuser-commands.js';
import { resolveTarget } from './systemuser-connect.js';

/** `npm run systemuser -- register|get|list|request|change ...`: Altinn, through the broker's identity. */
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  readFile: (path) => readFile(path, 'utf8'),
  target: (env, options) => resolveTarget(env, options),
});
