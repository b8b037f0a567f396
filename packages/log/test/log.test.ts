import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { closeLogs, createLogger, scrubSecrets } from '../src/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'station-log-'));
  dirs.push(d);
  return d;
}
function memoryStream(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

describe('createLogger', () => {
  test('writes one JSON line per event to <logs_dir>/<service>.log with service, level and time', async () => {
    const dir = tempDir();
    const log = createLogger({ service: 'supervisor', logsDir: join(dir, 'logs'), stdout: false });
    log.child({ batchId: 'batch_1' }).info({ pid: 42 }, 'runner started');
    await closeLogs();
    const lines = readFileSync(join(dir, 'logs', 'supervisor.log'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      service: 'supervisor',
      level: 'info',
      batchId: 'batch_1',
      msg: 'runner started',
    });
    expect(line.pid).toBe(42);
    expect(Number.isNaN(Date.parse(line.time))).toBe(false);
  });

  test('honours the level: debug lines are dropped at info', () => {
    const mem = memoryStream();
    const log = createLogger({ service: 'gw', level: 'info', stdout: mem.stream, pretty: false });
    log.debug('hidden');
    log.warn('shown');
    expect(mem.lines().map((l) => l.msg)).toEqual(['shown']);
  });

  test('redacts api keys and authorization headers at any logged depth', () => {
    const mem = memoryStream();
    const log = createLogger({ service: 'gw', stdout: mem.stream, pretty: false });
    log.info({
      apiKey: 'k-top-secret',
      backend: { api_key: 'k-nested-secret', url: 'http://backend' },
      req: { headers: { authorization: 'Bearer k-header', 'x-api-key': 'k-x', host: 'station' } },
      config: { server: { api_keys: ['k-deep'] } },
    });
    const text = JSON.stringify(mem.lines());
    for (const secret of ['k-top-secret', 'k-nested-secret', 'k-header', 'k-x', 'k-deep']) {
      expect(text).not.toContain(secret);
    }
    const [line] = mem.lines();
    expect(line).toMatchObject({
      apiKey: '[redacted]',
      backend: { api_key: '[redacted]', url: 'http://backend' },
      req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', host: 'station' } },
    });
  });
});

describe('scrubSecrets', () => {
  test('removes every occurrence of each secret value from free text', () => {
    expect(scrubSecrets('key=abcd1234 again abcd1234', ['abcd1234', undefined])).toBe(
      'key=[redacted] again [redacted]',
    );
  });
  test('leaves very short values alone so that common words are not mangled', () => {
    expect(scrubSecrets('a b c', ['a'])).toBe('a b c');
  });
});
