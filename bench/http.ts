import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { HIT_BODY } from './fixtures.js';
import type { ServerReady } from './http-server.js';
import type { ResultRow, SectionResult } from './report.js';
import { duration, summarise } from './stats.js';

export const HTTP_SETTINGS = {
  connections: 20,
  pipelining: 1,
  /** Each server is measured in this many fresh processes (trials, in mirrored order, see below)... */
  trials: 3,
  /** ...for this many seconds each, after a warm-up at the same concurrency. */
  roundSeconds: 4,
  warmupSeconds: 2,
} as const;

const RATIO_GOAL = 0.7;
const SERVER_SCRIPT = fileURLToPath(new URL('./http-server.ts', import.meta.url));

interface Totals {
  requests: number;
  seconds: number;
  failures: number;
  /** The server process's CPU over the measured windows. */
  cpuMicros: number;
  /** The part of it spent in user space (the rest is the kernel: sockets, and waking the client). */
  userMicros: number;
  /** The load generator's (this process's) CPU over the same windows. */
  generatorCpuMicros: number;
  latenciesNs: number[];
  /** Server CPU per request of each process measured. */
  perProcessMicros: number[];
}

interface CpuReport {
  cpuMicros: number;
  userMicros: number;
}

interface ServerProcess {
  ready: ServerReady;
  request(message: 'mark' | 'report'): Promise<CpuReport | undefined>;
  stop(): Promise<void>;
}

type ServerKind = 'bare' | 'local' | 'logged';

/** Section 2: requests per second of the local server's hit path against a bare node:http server. */
export async function benchHttp(): Promise<SectionResult> {
  const s = HTTP_SETTINGS;
  const notes: string[] = [];
  // The local server's answer, which the bare server copies byte for byte.
  const probe = await startServer(['local', 'silent']);
  await probe.stop();
  const { responseBytes, headers } = probe.ready;
  notes.push(
    `every server answered a ${responseBytes}-byte JSON body with the broker's headers (${Object.keys(headers).join(', ')})`,
  );
  const args: Record<ServerKind, string[]> = {
    bare: ['bare', String(responseBytes)],
    local: ['local', 'silent'],
    logged: ['local', 'audit'],
  };
  const totals: Record<ServerKind, Totals> = {
    bare: emptyTotals(),
    local: emptyTotals(),
    logged: emptyTotals(),
  };
  // A fresh process of each server per trial: one process differs from the next by more than the
  // changes being measured (how V8 happened to compile its hot path), so each figure pools
  // several. Mirrored order (bare, local, logged, then logged, local, bare): a change in machine
  // load weighs on every server about equally instead of on whichever ran last.
  for (let trial = 0; trial < s.trials; trial++) {
    const order: ServerKind[] = ['bare', 'local', 'logged'];
    for (const kind of trial % 2 === 0 ? order : order.reverse()) {
      const server = await startServer(args[kind]);
      try {
        await measure(server, totals[kind]);
      } finally {
        await server.stop();
      }
    }
  }
  const { bare: bareTotals, local: localTotals, logged: loggedTotals } = totals;
  const rate = (t: Totals) => t.requests / t.seconds;
  const ratio = rate(localTotals) / rate(bareTotals);
  const loggedRatio = rate(loggedTotals) / rate(bareTotals);
  const cpuRatio = cpuPerRequest(bareTotals) / cpuPerRequest(localTotals);
  const loggedCpuRatio = cpuPerRequest(bareTotals) / cpuPerRequest(loggedTotals);
  const goal = (metric: string, value: number): ResultRow => ({
    metric,
    value: value.toFixed(2),
    goal: `≥ ${RATIO_GOAL}`,
    met: value >= RATIO_GOAL,
  });
  const bareBusy = bareTotals.cpuMicros / (bareTotals.seconds * 1e6);
  const generatorBusy = bareTotals.generatorCpuMicros / (bareTotals.seconds * 1e6);
  notes.push(
    bareBusy >= 0.9
      ? `the bare server was busy ${(100 * bareBusy).toFixed(0)} % of the time: the load generator kept it saturated, so the req/s ratio is a throughput ratio`
      : `the bare server was busy only ${(100 * bareBusy).toFixed(0)} % of the time (load generator ${(100 * generatorBusy).toFixed(0)} %): the machine or the generator, not the server, limited req/s, and the req/s ratio overstates the broker; the CPU-per-request ratio is the figure to trust (at saturation req/s = 1 / CPU per request)`,
  );
  const kernel = (t: Totals) => ((t.cpuMicros - t.userMicros) / t.requests).toFixed(0);
  notes.push(
    `kernel CPU per request: bare ${kernel(bareTotals)} µs, local ${kernel(localTotals)} µs, with audit log ${kernel(loggedTotals)} µs. Each server makes the same system calls per request (one read, one write); on loopback the write also delivers the answer to the load generator and, when the generator was asleep waiting for it, wakes it, which on this virtual machine costs several µs. The slower a server, the more often the generator sleeps, so part of the gap is that wake-up, not the server's own work`,
  );
  return {
    title: '2. HTTP throughput, cache hits',
    rows: [
      loadRow('bare node:http, fixed JSON', bareTotals),
      loadRow('local server, memory hit (silent logger)', localTotals),
      goal('ratio local / bare (req/s)', ratio),
      goal('ratio local / bare by server CPU per request (bare µs / local µs)', cpuRatio),
      loadRow(
        'local server, memory hit, audit log (JSON lines, batched) → /dev/null',
        loggedTotals,
      ),
      goal('ratio local with audit log / bare (req/s)', loggedRatio),
      goal('ratio local with audit log / bare by server CPU per request', loggedCpuRatio),
    ],
    notes,
    method: [
      `autocannon with the same settings for every server: ${s.connections} connections, pipelining ${s.pipelining}, and per server`,
      `${s.trials} fresh processes, each measured for ${s.roundSeconds} s (${s.trials * s.roundSeconds} s in all) after a ${s.warmupSeconds} s warm-up at the same`,
      'concurrency: one process of a server differs from the next by more than the changes being measured',
      '(how V8 compiled its hot path; the same code has given 47 to 61 µs per hit in successive processes),',
      'so each figure pools several, and the row lists each process’s server CPU per request. The trials run in',
      'mirrored order (bare, local, logged, then logged, local, bare) so that a change in machine load weighs',
      'on all three about equally. Every request is `POST /v1/token` with the',
      'same JSON body, a system-user token request whose key was warmed first, so every broker answer is a',
      'memory hit. Each server runs in its own forked process (through tsx, as `npm start` does) and',
      'autocannon runs in the bench process: on 2 cores that gives the server and the load generator a core',
      'each instead of one event loop doing both. The bare server reads the request body and answers a fixed',
      'token-shaped JSON of exactly the broker’s response size with the broker’s headers and the same',
      '`node:http` timeouts. "local" is `startLocalServer` in sandbox mode with a silent logger; "logged"',
      'is the same with the JSON-lines logger and batched writer `npm start` uses, its one audit line per',
      'request going to /dev/null. req/s = responses / measured seconds; p50/p99 come from every response',
      'time autocannon reported (its own histogram rounds to whole milliseconds); "server CPU" is the',
      'server process’s user + system CPU time over the measured windows divided by the responses (and in',
      'brackets its user-space part: the rest is the kernel’s, which on loopback includes delivering each',
      'answer to the load generator and waking it when it sleeps), a',
      'figure that other load on the machine disturbs far less than req/s; "busy" is CPU time over wall',
      'time for the server and for the load generator (this process). A single-threaded server that is',
      'the bottleneck is busy near 100 %; if the bare server is not, the generator or the machine limited',
      'it, and the two ratios part: the note under the table says which happened. Both ratios are',
      'reported against the goal; the CPU ratio is the one a busy machine cannot flatter (a load generator',
      'that costs about as much per request as the bare server, as autocannon does, pulls the req/s ratio',
      'towards 1 when the two share a core).',
    ].join(' '),
  };
}

const cpuPerRequest = (t: Totals) => t.cpuMicros / t.requests;

const emptyTotals = (): Totals => ({
  requests: 0,
  seconds: 0,
  failures: 0,
  cpuMicros: 0,
  userMicros: 0,
  generatorCpuMicros: 0,
  latenciesNs: [],
  perProcessMicros: [],
});

function loadRow(metric: string, t: Totals): ResultRow {
  const summary = summarise(Float64Array.from(t.latenciesNs));
  const failures = t.failures > 0 ? `, ${t.failures} errors/non-2xx` : '';
  const rate = Math.round(t.requests / t.seconds).toLocaleString('en');
  const cpu = cpuPerRequest(t).toFixed(0);
  const user = (t.userMicros / t.requests).toFixed(0);
  // Busy = CPU time / wall time: a saturated single-threaded server is near 100 %.
  const busy = (micros: number) => `${((100 * micros) / (t.seconds * 1e6)).toFixed(0)} %`;
  return {
    metric,
    value: `${rate} req/s, p50 ${duration(summary.p50Ms)}, p99 ${duration(summary.p99Ms)}, server CPU ${cpu} µs/req (user ${user}; per process ${t.perProcessMicros.map((micros) => micros.toFixed(0)).join(' / ')}), server busy ${busy(t.cpuMicros)}, load generator busy ${busy(t.generatorCpuMicros)} (${(t.generatorCpuMicros / t.requests).toFixed(0)} µs/req) (${t.requests.toLocaleString('en')} requests${failures})`,
  };
}

async function measure(server: ServerProcess, totals: Totals): Promise<void> {
  const s = HTTP_SETTINGS;
  await run(server.ready.url, s.warmupSeconds);
  await server.request('mark');
  const latencies: number[] = [];
  const generatorBefore = process.cpuUsage();
  const result = await run(server.ready.url, s.roundSeconds, latencies);
  const generator = process.cpuUsage(generatorBefore);
  const cpu = await server.request('report');
  totals.generatorCpuMicros += generator.user + generator.system;
  totals.requests += result.requests.total;
  totals.seconds += result.duration;
  totals.failures += result.errors + result.timeouts + result.non2xx;
  totals.cpuMicros += cpu?.cpuMicros ?? 0;
  totals.userMicros += cpu?.userMicros ?? 0;
  if (cpu) totals.perProcessMicros.push(cpu.cpuMicros / result.requests.total);
  for (const value of latencies) totals.latenciesNs.push(value);
}

function run(url: string, seconds: number, latenciesNs?: number[]) {
  const s = HTTP_SETTINGS;
  const instance = autocannon({
    url: `${url}/v1/token`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(HIT_BODY),
    connections: s.connections,
    pipelining: s.pipelining,
    duration: seconds,
  });
  if (latenciesNs) {
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      latenciesNs.push(ms * 1e6);
    });
  }
  return instance;
}

/** Forks `http-server.ts` (through tsx) and waits for it to report ready. */
function startServer(args: string[]): Promise<ServerProcess> {
  const child: ChildProcess = fork(SERVER_SCRIPT, args, {
    execArgv: ['--import', 'tsx', '--no-warnings'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const request = (message: 'mark' | 'report') =>
    new Promise<CpuReport | undefined>((resolve) => {
      if (!alive()) return resolve(undefined);
      if (message === 'mark') {
        child.send(message, () => resolve(undefined));
        return;
      }
      child.once('message', (answer: CpuReport) => resolve(answer));
      child.send(message);
    });
  const stop = async () => {
    if (!alive()) return;
    child.send('stop');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    child.once('message', (message: { type: string } & ServerReady) => {
      if (message.type === 'ready') resolve({ ready: message, request, stop });
    });
    child.once('exit', (code) => {
      reject(new Error(`bench server ${args.join(' ')} exited with ${code}: ${stderr.trim()}`));
    });
  });
}
