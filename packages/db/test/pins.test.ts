// Sequence pins: one row per batch, replaced by a later pin, kept across a reopen of the file; a batch
// without one follows its station.yaml rule.
import { afterEach, expect, test } from 'bun:test';
import { openStore } from '../src/index.ts';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const PIN = { batchId: 'batch_1', version: '1.2.0', pinnedAt: '2026-12-02T10:00:00.000Z', pinnedBy: 'alice' };

test('a batch without a pin follows station.yaml, else latest', () => {
  const store = scratch.store();
  expect(store.sequencePin('batch_1')).toBeUndefined();
  expect(store.batchVersionRule('batch_1', '1.0.0')).toEqual({ rule: '1.0.0', source: 'config' });
  expect(store.batchVersionRule('batch_1')).toEqual({ rule: 'latest', source: 'config' });
});

test('a pin outranks station.yaml, a later pin replaces it, and it survives reopening the file', () => {
  const store = scratch.store();
  store.setSequencePin(PIN);
  store.setSequencePin({ ...PIN, batchId: 'batch_2', version: 'latest' });
  const back = { ...PIN, version: 'latest', pinnedAt: '2026-12-02T11:00:00.000Z', pinnedBy: 'bob' };
  store.setSequencePin(back);
  expect(store.batchVersionRule('batch_1', '1.0.0')).toEqual({ rule: 'latest', source: 'pin', pin: back });
  const path = store.path;
  store.close();
  const again = scratch.track(openStore(path));
  expect(again.sequencePin('batch_1')).toEqual(back);
  expect(again.sequencePin('batch_2')).toEqual({ ...PIN, batchId: 'batch_2', version: 'latest' });
});
