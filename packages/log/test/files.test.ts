// The log files: size rotation with the current file keeping its name, station.log shared by several
// processes without torn or lost lines, and a full disk that costs log lines but never an exception.
import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnFixture, until } from '../../../tests/support/process.ts';
import { mountTmpfs, type Tmpfs } from '../../../tests/support/tmpfs.ts';
import { closeLogs, createLogger, droppedLogLines } from '../src/index.ts';

const cleanups: (() => void)[] = [];
afterEach(async () => {
  await closeLogs();
  for (const c of cleanups.splice(0).reverse()) c();
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'station-logfiles-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
function tmpfs(mb: number): Tmpfs {
  const t = mountTmpfs(mb);
  cleanups.push(() => t.cleanup());
  return t;
}
function jsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('rotation by size and count', () => {
  test('<service>.log stays the current file; older ones are .1 .. .keep and nothing past keep', async () => {
    const dir = tempDir();
    const log = createLogger({
      service: 'svc',
      logsDir: dir,
      maxFileBytes: 4096,
      keepFiles: 2,
      stdout: false,
    });
    for (let n = 0; n < 400; n++) log.info({ n }, 'rotating line');
    await closeLogs();
    const files = readdirSync(dir)
      .filter((f) => f.startsWith('svc'))
      .sort();
    expect(files).toEqual(['svc.1.log', 'svc.2.log', 'svc.log']);
    for (const f of ['svc.1.log', 'svc.2.log']) {
      // A file is rotated at the first line that takes it to the limit: at most one line over.
      expect(statSync(join(dir, f)).size).toBeLessThan(4096 + 200);
    }
    const current = jsonLines(join(dir, 'svc.log'));
    expect(current.at(-1)).toMatchObject({ n: 399, msg: 'rotating line', service: 'svc' });
    // The newest rotated file continues where the current one begins.
    const newest = jsonLines(join(dir, 'svc.1.log'));
    expect(Number(newest.at(-1)?.n) + 1).toBe(Number(current[0]?.n));
  });

  test('station.log takes the same lines with the service (and batch) named in each', async () => {
    const dir = tempDir();
    const log = createLogger({
      service: 'runner-b1',
      logsDir: dir,
      stdout: false,
      fields: { batchId: 'b1' },
    });
    log.error({ code: 'HARDWARE_ERROR' }, 'psu did not answer');
    await closeLogs();
    const shared = jsonLines(join(dir, 'station.log'));
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatchObject({
      service: 'runner-b1',
      batchId: 'b1',
      level: 'error',
      code: 'HARDWARE_ERROR',
      msg: 'psu did not answer',
    });
    expect(jsonLines(join(dir, 'runner-b1.log'))).toEqual(shared);
  });
});

describe('station.log written by several processes at once', () => {
  test('every line of every writer is there exactly once, whole, across rotations', async () => {
    const dir = tempDir();
    const writers = ['w1', 'w2', 'w3', 'w4'];
    const count = 1500;
    const procs = writers.map((w) =>
      spawnFixture(join(import.meta.dir, 'writer-fixture.ts'), [dir, w, String(count), String(32 * 1024)]),
    );
    try {
      await Promise.all(procs.map((p) => p.waitFor(/^DONE$/, 60_000)));
    } finally {
      await Promise.all(procs.map((p) => p.kill()));
    }
    const files = readdirSync(dir).filter((f) => /^station(\.\d+)?\.log$/.test(f));
    expect(files.length).toBeGreaterThan(3); // it did rotate, several times, under four writers (how often depends on timing)
    const seen = new Map<string, number[]>(writers.map((w) => [w, []]));
    for (const f of files) {
      for (const raw of readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)) {
        const line = JSON.parse(raw) as { service: string; n: number }; // a torn line would throw here
        seen.get(line.service)!.push(line.n);
      }
    }
    for (const w of writers) {
      const ns = seen.get(w)!.sort((a, b) => a - b);
      expect({ writer: w, lines: ns.length, distinct: new Set(ns).size }).toEqual({
        writer: w,
        lines: count,
        distinct: count,
      });
    }
    expect(existsSync(join(dir, 'station.log.lock'))).toBe(false);
  }, 90_000);
});

describe('a full disk', () => {
  test('logging never throws; lost lines are counted and reported once space returns', async () => {
    const fs = tmpfs(1);
    const logsDir = join(fs.dir, 'logs');
    const log = createLogger({ service: 'svc', logsDir, stdout: false, maxFileBytes: 10 * 1024 * 1024 });
    log.info('before the disk fills');
    const filler = fs.fill(0);
    const before = droppedLogLines();
    expect(() => {
      for (let n = 0; n < 2000; n++) log.info({ n, pad: 'x'.repeat(200) }, 'while full');
    }).not.toThrow();
    await until(() => droppedLogLines() - before >= 2000, 'lines counted as dropped', 10_000);

    rmSync(filler);
    // The per-service file waits a moment before trying again; station.log takes the next line at once.
    await until(
      async () => {
        log.info('space is back');
        await Bun.sleep(100);
        const text = readFileSync(join(logsDir, 'svc.log'), 'utf8');
        return text.includes('were dropped') && text.includes('space is back');
      },
      'the per-service file reports its loss',
      10_000,
      200,
    );
    await closeLogs();
    for (const file of ['svc.log', 'station.log']) {
      // The disk may fill in the middle of a line: that fragment stays, on a line of its own.
      const raw = readFileSync(join(logsDir, file), 'utf8').split('\n').filter(Boolean);
      const parsed = raw.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
      expect(raw.length - parsed.length).toBeLessThanOrEqual(1);
      const report = parsed.find((l) => String(l.msg).includes('were dropped'));
      expect(report).toMatchObject({ level: 'warn', service: 'svc', file });
      expect(Number(report?.droppedLines)).toBeGreaterThan(0);
    }
    expect(JSON.parse(readFileSync(join(logsDir, 'station.log'), 'utf8').split('\n')[0]!)).toMatchObject({
      msg: 'before the disk fills',
    });
  }, 30_000);
});
