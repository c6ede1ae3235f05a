import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { batchedLineWriter } from '../../../shared/adapters/logging/batched-line-writer.js';

// The local server's audit lines are held and written in batches (batched-line-writer.ts); losing
// lines at exit is not allowed. Each case runs a child that writes a burst and ends at once.

const CHILD = fileURLToPath(new URL('../../support/children/log-burst.ts', import.meta.url));
const LINES = 20_000;

async function burst(
  how: 'exit' | 'signal' | 'drain',
  options: { readAfterMs?: number; nonblocking?: boolean } = {},
) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, String(LINES), how, options.nonblocking ? 'nonblocking' : ''],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // A slow reader: nothing is read until `readAfterMs`, so the pipe fills and writes must wait.
  if (options.readAfterMs) {
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), options.readAfterMs);
  }
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
  return { code, stderr, lines };
}

function expectEveryLine(lines: string[]) {
  expect(lines).toHaveLength(LINES);
  const seqs = lines.map((line) => (JSON.parse(line) as { seq: number }).seq);
  expect(seqs).toEqual(Array.from({ length: LINES }, (_, i) => i));
}

describe('batchedLineWriter: a burst of audit lines survives the end of the process', () => {
  it('when the process calls process.exit() right after the burst', async () => {
    const { code, stderr, lines } = await burst('exit');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expectEveryLine(lines);
  });

  it('when SIGTERM arrives right after the burst (the handler exits, as npm start does)', async () => {
    const { code, lines } = await burst('signal');
    expect(code).toBe(0);
    expectEveryLine(lines);
  });

  it('when the event loop simply ends', async () => {
    const { code, lines } = await burst('drain');
    expect(code).toBe(0);
    expectEveryLine(lines);
  });

  it('when stdout is a non-blocking pipe whose reader is slow (EAGAIN is waited out)', async () => {
    const { code, lines } = await burst('exit', { readAfterMs: 500, nonblocking: true });
    expect(code).toBe(0);
    expectEveryLine(lines);
  });
});

/** A fresh file to write to, its fd and a reader, removed afterwards. */
async function withFile(check: (fd: number, read: () => string) => Promise<void> | void) {
  const dir = mkdtempSync(join(tmpdir(), 'batched-'));
  const path = join(dir, 'lines.log');
  const fd = openSync(path, 'w');
  try {
    await check(fd, () => readFileSync(path, 'utf8'));
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('batchedLineWriter: lines are held briefly and written together', () => {
  it('writes nothing at once, then every held line in one batch soon after', () =>
    withFile(async (fd, read) => {
      const writer = batchedLineWriter({ fd, flushOnExit: false });
      writer.write('{"seq":0}\n');
      writer.write('{"seq":1}\n');
      expect(read()).toBe('');
      await vi.waitFor(() => expect(read()).toBe('{"seq":0}\n{"seq":1}\n'), {
        timeout: 5_000,
      });
    }));
});

describe('batchedLineWriter: held line makers', () => {
  it('calls each maker once, when its batch is written, in order with plain lines', () =>
    withFile((fd, read) => {
      const writer = batchedLineWriter({ fd, flushOnExit: false });
      const calls: number[] = [];
      writer.write('{"seq":0}\n');
      writer.write(() => {
        calls.push(1);
        return '{"seq":1}\n';
      });
      writer.write('{"seq":2}\n');
      expect(calls).toEqual([]);

      writer.flushSync();
      writer.flushSync();

      expect(calls).toEqual([1]);
      expect(read()).toBe('{"seq":0}\n{"seq":1}\n{"seq":2}\n');
    }));

  it('writes at once when maxHeldLines lines are held', () =>
    withFile((fd, read) => {
      const writer = batchedLineWriter({ fd, flushOnExit: false, maxHeldLines: 3 });
      writer.write(() => 'a\n');
      writer.write('b\n');
      expect(read()).toBe('');
      writer.write(() => 'c\n');
      expect(read()).toBe('a\nb\nc\n');
    }));
});

describe('batchedLineWriter: a line that cannot be made', () => {
  it('writes a line saying so in its place and keeps the rest of the batch', () =>
    withFile((fd, read) => {
      const writer = batchedLineWriter({ fd, flushOnExit: false });
      writer.write('{"seq":0}\n');
      writer.write(() => JSON.stringify({ big: 1n }));
      writer.write('{"seq":2}\n');

      expect(() => writer.flushSync()).not.toThrow();

      const lines = read()
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines).toEqual([
        { seq: 0 },
        { level: 'ERROR', message: 'a log line could not be written', reason: 'TypeError' },
        { seq: 2 },
      ]);
    }));
});
