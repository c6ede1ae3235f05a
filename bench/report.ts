import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';

/** One figure in the results table. */
export interface ResultRow {
  metric: string;
  value: string;
  /** The goal it is reported against, if any. */
  goal?: string;
  met?: boolean;
}

/** What one benchmark section measured, and how. */
export interface SectionResult {
  title: string;
  rows: ResultRow[];
  /** How it was measured, a few sentences. */
  method: string;
  /** Extra observations (e.g. what the sandbox counted). */
  notes?: string[];
}

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  date: string;
  loadBefore: string;
}

export function describeMachine(): Machine {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB (${(freemem() / 1024 ** 3).toFixed(1)} GiB free at start)`,
    os: `${platform()} ${release()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadBefore: loadavg()
      .map((value) => value.toFixed(2))
      .join(' / '),
  };
}

export const verdict = (met: boolean | undefined) =>
  met === undefined ? '' : met ? 'met' : 'not met';

/** Prints one section's figures as they come, each goal with its verdict. */
export function printSection(section: SectionResult): void {
  console.log(`\n## ${section.title}`);
  const width = Math.max(...section.rows.map((row) => row.metric.length));
  for (const row of section.rows) {
    const goal = row.goal ? `   goal: ${row.goal} — ${verdict(row.met)}` : '';
    console.log(`  ${row.metric.padEnd(width)}  ${row.value}${goal}`);
  }
  for (const note of section.notes ?? []) console.log(`  · ${note}`);
}

const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderMarkdown(
  machine: Machine,
  sections: readonly SectionResult[],
  extra: { totalSeconds: number; loadAfter: string; failures: readonly string[] },
): string {
  const lines = [
    '# Benchmarks',
    '',
    'Figures, not pass/fail: `npm run bench` measures and writes this file; the goals come from',
    'issues 3 ("Benchmark") and 13 ("At vendor scale"), and each figure says whether it meets its goal',
    'on this machine.',
    '',
    '## How to run',
    '',
    '```sh',
    'npm run bench        # about 3-4 minutes; prints the table and rewrites BENCHMARKS.md',
    '```',
    '',
    'Everything runs locally and offline: the sandbox stands in for Maskinporten, dynalite for',
    'DynamoDB and an `aws-sdk-client-mock` KMS client (backed by a real RSA key) for KMS. Run it on',
    'an otherwise idle machine: the HTTP figures share the CPU with anything else that is running.',
    '',
    '## Machine',
    '',
    '| | |',
    '| --- | --- |',
    `| CPU | ${cell(machine.cpu)} |`,
    `| Cores | ${machine.cores} |`,
    `| Memory | ${machine.memory} |`,
    `| OS | ${cell(machine.os)} |`,
    `| Node | ${machine.node} |`,
    `| Date | ${machine.date} |`,
    `| Load average (1/5/15 min) | before ${machine.loadBefore}; after ${extra.loadAfter} |`,
    `| Bench wall time | ${extra.totalSeconds.toFixed(0)} s |`,
    '',
    '## Results',
    '',
    '| Section | Figure | Value | Goal | Verdict |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const section of sections) {
    section.rows.forEach((row, i) => {
      const title = i === 0 ? `**${cell(section.title)}**` : '';
      lines.push(
        `| ${title} | ${cell(row.metric)} | ${cell(row.value)} | ${cell(row.goal ?? '')} | ${verdict(row.met)} |`,
      );
    });
  }
  if (extra.failures.length > 0) {
    lines.push('', '**Sections that failed to run:**', '');
    for (const failure of extra.failures) lines.push(`- ${failure}`);
  }
  lines.push('', '## Method', '');
  for (const section of sections) {
    lines.push(`### ${section.title}`, '', section.method, '');
    for (const note of section.notes ?? []) lines.push(`- ${note}`);
    if (section.notes?.length) lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
