import fc from 'fast-check';

/**
 * A vitest setup file. In CI every property runs from one fixed seed, so a commit that is green is
 * green again on the same commit (a random seed once failed one CI run in three with no code
 * change); a local `npm test` draws new cases each run, which is where the fuzz explores.
 * `FC_SEED=<n>` replays a run anywhere: fast-check prints the seed and path of a counterexample.
 */
const CI_SEED = 20_261_130;

const seed = process.env['FC_SEED'] ?? (process.env['CI'] ? String(CI_SEED) : undefined);
if (seed !== undefined) {
  if (!/^-?\d+$/.test(seed)) throw new TypeError(`FC_SEED must be an integer, not "${seed}"`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(seed) });
}
