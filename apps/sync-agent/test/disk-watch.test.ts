// The sync agent's word on free space: one log line per crossing of warn_free_mb / min_free_mb and one
// when space is back; an offline station says that it keeps every result.
import { expect, test } from 'bun:test';
import { Writable } from 'node:stream';
import { createLogger } from '@station/log';
import { judgeStorage } from '@station/service/storage';
import { diskCheck } from '../src/disk-watch.ts';

const MB = 1024 * 1024;

test('warns once per level crossed, says offline mode keeps everything, and says when space is back', () => {
  const lines: { level: string; msg: string; freeBytes?: number }[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  const logger = createLogger({ service: 'sync-test', stdout: sink, pretty: false });
  let free = 5000 * MB;
  const storage = {
    state: () => judgeStorage('/data', { freeBytes: free, totalBytes: 8000 * MB }, 200 * MB, 1024 * MB),
  };
  const check = diskCheck(storage, logger, 'offline');
  check();
  expect(lines).toEqual([]);
  free = 900 * MB;
  check();
  check(); // still below warn: said once
  free = 150 * MB;
  check();
  free = 3000 * MB;
  check();
  expect(lines.map((l) => [l.level, l.msg])).toEqual([
    [
      'warn',
      'disk: disk almost full: 900.0 MB free on /data; starts are refused below 200.0 MB (storage.min_free_mb) (offline mode keeps every result until a Backend takes it: free space or configure backend.url)',
    ],
    [
      'warn',
      'disk: only 150.0 MB free on /data, below the 200.0 MB needed to start a sequence (storage.min_free_mb) (offline mode keeps every result until a Backend takes it: free space or configure backend.url)',
    ],
    ['info', 'disk: free space is above storage.warn_free_mb again'],
  ]);
});
