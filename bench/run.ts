/**
 * `npm run bench`: the figures issue 3 asks for, measured in one run, printed as they come and
 * written to BENCHMARKS.md. Figures, not pass/fail: the process exits 0 whatever they are; a
 * section that cannot run is reported as such and the others still run.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchBundle } from './bundle.js';
import { benchCapacity } from './capacity.js';
import { benchColdStart } from './cold-start.js';
import { benchHttp } from './http.js';
import { benchInProcess } from './in-process.js';
import { benchMemory } from './memory.js';
import { describeMachine, printSection, renderMarkdown, type SectionResult } from './report.js';
import { benchUpstream } from './upstream.js';

const OUTPUT = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
/** The token length section 5 assumes if section 1 could not measure it. */
const FALLBACK_TOKEN_LENGTH = 1_260;

async function main(): Promise<void> {
  const started = performance.now();
  const machine = describeMachine();
  console.log(
    `maskinporten-broker benchmark — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`,
  );
  console.log(`load average before: ${machine.loadBefore} (figures suffer if the machine is busy)`);

  const sections: SectionResult[] = [];
  const failures: string[] = [];
  let tokenLength = FALLBACK_TOKEN_LENGTH;
  const steps: [string, () => Promise<SectionResult>][] = [
    [
      '1. In-process getToken latency',
      async () => {
        const result = await benchInProcess();
        if (result.tokenLength > 0) tokenLength = result.tokenLength;
        return result;
      },
    ],
    ['2. HTTP throughput, cache hits', benchHttp],
    ['3. Upstream economy', benchUpstream],
    ['4. Lambda bundle', benchBundle],
    ['5. Memory', () => benchMemory(tokenLength)],
    ['6. Refresh ahead and the capacity model', benchCapacity],
    ['7. Cold start of the deployed bundle (Node 24)', benchColdStart],
  ];
  for (const [title, step] of steps) {
    const sectionStart = performance.now();
    try {
      const section = await step();
      sections.push(section);
      printSection(section);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failures.push(`${title}: ${reason.split('\n')[0]}`);
      console.log(`\n## ${title}\n  FAILED: ${reason}`);
    }
    console.log(`  (${((performance.now() - sectionStart) / 1000).toFixed(1)} s)`);
  }

  const totalSeconds = (performance.now() - started) / 1000;
  const loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
  await writeFile(OUTPUT, renderMarkdown(machine, sections, { totalSeconds, loadAfter, failures }));
  console.log(
    `\nload average after: ${loadAfter}; total ${totalSeconds.toFixed(0)} s; wrote ${OUTPUT}`,
  );
}

try {
  await main();
} catch (error) {
  console.error(error);
}
process.exit(0);
