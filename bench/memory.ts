import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryFigures } from './memory-child.js';
import type { SectionResult } from './report.js';
import { mib } from './stats.js';

export const MEMORY_ENTRIES = 10_000;
const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

/** Section 5: what a full memory cache costs in heap and RSS. */
export async function benchMemory(tokenLength: number): Promise<SectionResult> {
  const output = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      '--no-warnings',
      CHILD,
      String(MEMORY_ENTRIES),
      String(tokenLength),
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const figures = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as MemoryFigures;
  const heapDelta = figures.heapAfterBytes - figures.heapBeforeBytes;
  const perEntry = heapDelta / (figures.entries - 1);
  return {
    title: '5. Memory',
    rows: [
      {
        metric: `memory cache full (${figures.entries.toLocaleString('en')} tokens of ${figures.tokenLength} chars)`,
        value: `heap +${mib(heapDelta)} (${Math.round(perEntry).toLocaleString('en')} bytes per token); heap used ${mib(figures.heapAfterBytes)}, RSS ${mib(figures.rssAfterBytes)} (was ${mib(figures.rssBeforeBytes)})`,
      },
    ],
    notes: [
      `oldest entry still served from memory after filling: ${figures.firstStillCached ? 'yes' : 'no'}`,
      `right after the burst of ${(figures.entries - 1).toLocaleString('en')} misses the heap held ${mib(figures.heapRightAfterBytes - figures.heapAfterBytes)} more: what the fetches left behind (their deadlines' timers are cleared when each attempt ends)`,
    ],
    method: [
      `A fresh \`node --expose-gc\` process builds the production composition root (memory cache only, default`,
      `bound ${MEMORY_ENTRIES.toLocaleString('en')}) with a stub Maskinporten \`fetch\` and a stub signer, asks for one key, runs`,
      '`gc()` twice and reads `process.memoryUsage()`, then asks for the remaining distinct keys (distinct',
      '`resource`, 100 at a time), waits 2.5 s for the fetch attempts’ 2 s timeout timers to fire, collects again and reads again. The stub returns a distinct random token',
      'per call of the same length as the sandbox’s system-user token, `expires_in` 3600. The heap difference',
      'is the cache (token strings, cache keys, entries; the in-flight map is empty again); RSS also holds',
      'the code and V8’s reserved pages, so it is shown as read.',
    ].join(' '),
  };
}
