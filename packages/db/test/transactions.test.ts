import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { openStore, writeTransaction } from '../src/index.ts';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

describe('writeTransaction', () => {
  test('groups several named queries into one transaction (e.g. seeding many results at once)', () => {
    const store = scratch.store();
    writeTransaction(store, () => {
      for (let i = 0; i < 50; i++) {
        store.createExecution(execution(`exec_${i}`, i));
        store.recordStep(`exec_${i}`, { name: 's', order: 0, status: 'completed', pass: true });
        store.finishExecution(`exec_${i}`, {
          status: 'completed',
          overallPass: true,
          completedAt: at(i + 1),
        });
      }
    });
    expect({ total: store.listResults().total, pending: store.syncStats(at(100)).pending }).toEqual({
      total: 50,
      pending: 50,
    });
  });

  test('rolls everything back when the callback throws, and the store stays usable', () => {
    const store = scratch.store();
    expect(() =>
      writeTransaction(store, () => {
        store.createExecution(execution('exec_a'));
        store.finishExecution('exec_a', { status: 'completed', overallPass: true });
        throw new Error('caller changed its mind');
      }),
    ).toThrow('caller changed its mind');
    expect({ execution: store.getExecution('exec_a'), queue: store.syncStats().pending }).toEqual({
      execution: undefined,
      queue: 0,
    });
    store.createExecution(execution('exec_b'));
    expect(store.runningExecutions().map((e) => e.id)).toEqual(['exec_b']);
  });
});

describe('Store lifetime', () => {
  test('`using` closes the store at the end of the scope', () => {
    const path = join(scratch.dir(), 'station.db');
    let escaped: ReturnType<typeof openStore> | undefined;
    {
      using store = openStore(path);
      store.createExecution(execution('exec_a'));
      escaped = store;
    }
    expect(escaped.closed).toBe(true);
    const again = scratch.track(openStore(path));
    expect(again.getExecution('exec_a')?.id).toBe('exec_a');
  });
});
