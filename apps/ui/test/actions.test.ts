// The batch card's buttons: only what is legal in each state, in a fixed order.
import { expect, test } from 'bun:test';
import { ACTIONS, actionLabel, batchActions } from '../src/actions.ts';
import type { BatchStatus } from '../src/types.ts';

const batch = (status: BatchStatus['status'], sequenceRunning?: boolean): BatchStatus => ({
  id: 'b1',
  name: 'Slot 1',
  status,
  ...(sequenceRunning === undefined ? {} : { sequenceRunning }),
});

test.each([
  ['idle', undefined, ['Start process']],
  ['error', undefined, ['Start process']],
  ['starting', undefined, []],
  ['stopping', undefined, []],
  ['running', false, ['Start sequence', 'Restart process', 'Stop process']],
  ['running', true, ['Abort sequence']],
] as const)('a batch %s (testing: %p) offers %p', (status, testing, labels) => {
  expect(batchActions(batch(status, testing)).map((a) => actionLabel(a))).toEqual([...labels]);
});

test('a slot whose recovery failed offers Acknowledge instead of Start sequence', () => {
  const b: BatchStatus = {
    ...batch('running', false),
    lastError: { code: 'RECOVERY_FAILED', message: 'recovery failed: cleanup step power_off failed' },
  };
  expect(batchActions(b).map((a) => actionLabel(a))).toEqual([
    'Acknowledge',
    'Restart process',
    'Stop process',
  ]);
  expect(ACTIONS.acknowledge.path).toBe('/acknowledge');
});

test('Restart process posts to the batch restart route (BR-006)', () => {
  expect(ACTIONS.restart).toEqual({ path: '/restart', className: 'btn' });
  expect(actionLabel('restart')).toBe('Restart process');
});
