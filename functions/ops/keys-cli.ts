import { runKeys } from './keys-commands.js';
import { resolveKeysTarget } from './keys-connect.js';

/** `npm run keys -- status|sync [--prune]`: the broker's keys at Digdir, through its own identity. */
process.exitCode = await runKeys(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  target: (env, options) => resolveKeysTarget(env, options),
});
