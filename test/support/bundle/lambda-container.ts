import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Json } from './cloud-assembly.js';

/**
 * One Lambda execution environment for a synthesized bundle: the asset directory copied to a
 * fresh temporary directory (no `node_modules` anywhere above it, checked), loaded by a fresh
 * Node 24 process through `lambda-runtime.mjs` (the runtime's handler resolution, init error
 * types and context), with exactly the environment it is given. Invocations run one at a time,
 * like Lambda's; each returns the handler's result and the lines it wrote to stdout and stderr.
 */
export interface LambdaContainer {
  /** The task root the bundle was copied to. */
  taskRoot: string;
  /** Milliseconds the runtime took to import the handler module. */
  importMs: number;
  invoke(event: Json, options?: { timeoutMs?: number }): Promise<Invocation>;
  /** Every line written to stdout and stderr so far, the harness's own markers left out. */
  output(): string[];
  close(): Promise<void>;
}

export interface Invocation {
  /** What the handler resolved to. */
  result?: Json;
  /** What the handler threw (`errorType`, `errorMessage`). */
  error?: { errorType: string; errorMessage: string; stack?: string[] };
  durationMs: number;
  stdout: string[];
  stderr: string[];
}

export interface ContainerOptions {
  /** The bundle directory in `cdk.out` (or a copy of it). */
  assetDir: string;
  /** The environment of the process, complete: nothing is inherited. */
  env: Readonly<Record<string, string>>;
  /** The function's `Timeout` in ms: an invocation that takes longer is a timeout. */
  timeoutMs: number;
  invokedFunctionArn: string;
}

/** The bundle failed to load: the runtime's init error (`Runtime.ImportModuleError`, ...). */
export class BundleLoadError extends Error {
  override readonly name = 'BundleLoadError';
  readonly errorType: string;

  constructor(errorType: string, message: string) {
    super(message);
    this.errorType = errorType;
  }
}

const RUNTIME_SHIM = fileURLToPath(new URL('./lambda-runtime.mjs', import.meta.url));
const END_OF_INVOCATION = '\u001eend-of-invocation ';
/** Lambda gives init 10 s; a loaded 2-core machine gets more before the test calls it a hang. */
const INIT_TIMEOUT_MS = 60_000;
const REPO_NODE24 = fileURLToPath(new URL('../../../.ci/node24/node', import.meta.url));
let node24: string | undefined;

/**
 * The Node 24 binary `.ci/node24/node` runs (installed by `npm ci --prefix .ci/node24`, or
 * `NODE24`); throws with the wrapper's own instructions when there is none.
 */
export function node24Binary(): string {
  if (node24) return node24;
  try {
    node24 = execFileSync(REPO_NODE24, ['-p', 'process.execPath'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`the bundle tests need Node 24: ${stderr || String(error)}`);
  }
  return node24;
}

/** Copies the bundle to a new temporary task root with nothing to resolve modules from. */
export function copyToTaskRoot(assetDir: string): string {
  const root = mkdtempSync(join(tmpdir(), 'lambda-task-'));
  const taskRoot = join(root, 'task');
  mkdirSync(taskRoot);
  cpSync(assetDir, taskRoot, { recursive: true });
  const found = nodeModulesAbove(taskRoot);
  if (found) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(
      `${found} exists: a bundle copied below it could import what it failed to include; use a TMPDIR without node_modules above it`,
    );
  }
  return taskRoot;
}

/** The first `node_modules` in the task root or any directory above it. */
export function nodeModulesAbove(directory: string): string | undefined {
  for (let dir = directory; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules');
    if (existsSync(candidate)) return candidate;
    if (dir === parse(dir).root) return undefined;
  }
}

/**
 * Starts the environment: copies the bundle, spawns Node 24 and waits until the handler module is
 * imported. An init error rejects with a {@link BundleLoadError} that names what failed (e.g.
 * `Cannot find package '@aws-sdk/client-kms'`).
 */
export async function startContainer(options: ContainerOptions): Promise<LambdaContainer> {
  const taskRoot = copyToTaskRoot(options.assetDir);
  const runtimeDir = join(dirname(taskRoot), 'runtime');
  mkdirSync(runtimeDir);
  cpSync(RUNTIME_SHIM, join(runtimeDir, 'bootstrap.mjs'));
  const child = spawn(node24Binary(), [join(runtimeDir, 'bootstrap.mjs')], {
    cwd: taskRoot,
    env: { ...options.env, LAMBDA_TASK_ROOT: taskRoot, LAMBDA_RUNTIME_DIR: runtimeDir },
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const stdout = new LineQueue(child.stdout as Readable, output);
  const stderr = new LineQueue(child.stderr as Readable, output);
  const control = new MessageQueue(child.stdio[3] as Readable);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const cleanup = () => rmSync(dirname(taskRoot), { recursive: true, force: true });

  // The channel closes when the process exits, so an init error is read before `undefined`.
  const first = await withTimeout(control.next(), INIT_TIMEOUT_MS, () => child.kill('SIGKILL'));
  if (first?.type !== 'ready') {
    await exited;
    cleanup();
    const detail = first
      ? `${first.errorType}: ${first.errorMessage}`
      : `the process exited before the handler was imported: ${stderr.rest().join('\n').slice(-2000)}`;
    throw new BundleLoadError(
      first?.errorType ?? 'Runtime.ExitError',
      `the bundle ${options.assetDir} failed to load on Node 24: ${detail}`,
    );
  }

  let sequence = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const invokeNow = async (event: Json, timeoutMs: number): Promise<Invocation> => {
    const id = ++sequence;
    child.stdin?.write(
      `${JSON.stringify({
        id,
        event,
        timeoutMs,
        requestId: randomUUID(),
        traceId: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Sampled=0`,
        invokedFunctionArn: options.invokedFunctionArn,
      })}\n`,
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      // Generous: Lambda would end the invocation at the timeout; a loaded machine may be slower.
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)),
        timeoutMs * 3,
      );
    });
    try {
      const message = await Promise.race([control.next(), timedOut]);
      if (message?.type !== 'result' || message.id !== id) {
        throw new Error(
          `the runtime ${message ? `reported ${message.type}: ${message.errorType}: ${message.errorMessage}` : 'exited'} during invocation ${id}`,
        );
      }
      const [out, err] = await Promise.all([stdout.until(id), stderr.until(id)]);
      return {
        ...(message.error ? { error: message.error } : { result: message.result }),
        durationMs: message.durationMs,
        stdout: out,
        stderr: err,
      };
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    taskRoot,
    importMs: first.importMs,
    invoke(event, invokeOptions = {}) {
      const run = queue.then(() => invokeNow(event, invokeOptions.timeoutMs ?? options.timeoutMs));
      queue = run.catch(() => undefined);
      return run;
    },
    output: () => [...output],
    async close() {
      child.stdin?.end();
      if (child.exitCode === null && !(await exitsWithin(child, exited, 5_000))) {
        child.kill('SIGKILL');
        await exited;
      }
      cleanup();
    },
  };
}

/** `promise`, or `undefined` after `ms` (calling `onTimeout` first). */
async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => void,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function exitsWithin(
  child: ChildProcess,
  exited: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([exited.then(() => true), timeout]);
  clearTimeout(timer);
  return result || child.exitCode !== null;
}

/** Lines from one stream, split at the runtime's end-of-invocation markers. */
class LineQueue {
  readonly #pending: string[] = [];
  readonly #waiters = new Map<number, (lines: string[]) => void>();
  readonly #done = new Map<number, string[]>();

  constructor(stream: Readable, all: string[]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (line.startsWith(END_OF_INVOCATION)) {
        const id = Number(line.slice(END_OF_INVOCATION.length));
        const lines = this.#pending.splice(0);
        const waiter = this.#waiters.get(id);
        if (waiter) waiter(lines);
        else this.#done.set(id, lines);
        return;
      }
      this.#pending.push(line);
      all.push(line);
    });
  }

  /** The lines of invocation `id`, once its marker has arrived. */
  until(id: number): Promise<string[]> {
    const done = this.#done.get(id);
    if (done) {
      this.#done.delete(id);
      return Promise.resolve(done);
    }
    return new Promise((resolve) => this.#waiters.set(id, resolve));
  }

  /** Whatever arrived after the last marker. */
  rest(): string[] {
    return [...this.#pending];
  }
}

/** JSON lines from the runtime's control channel (fd 3). */
class MessageQueue {
  readonly #messages: Json[] = [];
  readonly #waiters: Array<(message: Json | undefined) => void> = [];
  #ended = false;

  constructor(stream: Readable) {
    const lines = createInterface({ input: stream });
    lines.on('line', (line) => {
      const message = JSON.parse(line);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#messages.push(message);
    });
    lines.on('close', () => {
      this.#ended = true;
      for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    });
  }

  /** The next message; `undefined` once the channel is closed. */
  next(): Promise<Json | undefined> {
    const message = this.#messages.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
