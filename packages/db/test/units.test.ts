import { afterEach, describe, expect, test } from 'bun:test';
import { writeTransaction } from '../src/index.ts';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const min = 60_000;

describe('the unit under test on an execution', () => {
  test('the start names the unit; every field is stored and read back', () => {
    const store = scratch.store();
    const dut = { serialNumber: 'SN-0001', partNumber: 'PSU-12V', revision: 'C', lot: 'L2026-48' };
    const row = store.createExecution({ ...execution('e1'), dut });
    expect(row).toEqual(expect.objectContaining({ ...dut, serialSourceStep: null }));
    expect(store.getResult('e1')).toEqual(expect.objectContaining({ ...dut, serialSourceStep: null }));
  });

  test('a step sets the serial of a running execution and is recorded as its source', () => {
    const store = scratch.store();
    store.createExecution({ ...execution('e1'), dut: { partNumber: 'PSU-12V' } });
    expect(store.setExecutionSerial('e1', 'SN-READ-7', 'read_serial')).toBe(true);
    expect(store.getExecution('e1')).toEqual(
      expect.objectContaining({
        serialNumber: 'SN-READ-7',
        partNumber: 'PSU-12V',
        serialSourceStep: 'read_serial',
      }),
    );
  });

  test('a finished execution keeps its serial: a result does not change after the fact', () => {
    const store = scratch.store();
    store.createExecution({ ...execution('e1'), dut: { serialNumber: 'SN-1' } });
    store.finishExecution('e1', { status: 'completed', overallPass: true });
    expect(store.setExecutionSerial('e1', 'SN-2', 'late')).toBe(false);
    expect(store.setExecutionSerial('nope', 'SN-2', 'late')).toBe(false);
    expect(store.getExecution('e1')).toEqual(
      expect.objectContaining({ serialNumber: 'SN-1', serialSourceStep: null }),
    );
  });
});

describe('listResults by unit', () => {
  function seeded() {
    const store = scratch.store();
    const serials = ['SN-100', 'SN-101', 'SN-1', 'sn-100', 'SN-200', null];
    for (const [i, serialNumber] of serials.entries()) {
      store.createExecution({
        ...execution(`e${i}`, i * min),
        dut: { serialNumber, partNumber: i % 2 === 0 ? 'PSU-12V' : 'PSU-5V' },
      });
    }
    return store;
  }
  const ids = (page: { items: { id: string }[] }) => page.items.map((r) => r.id);

  test('serial matches by prefix, case-sensitively, newest first', () => {
    const store = seeded();
    expect(ids(store.listResults({ serial: 'SN-10' }))).toEqual(['e1', 'e0']);
    expect(ids(store.listResults({ serial: 'SN-1' }))).toEqual(['e2', 'e1', 'e0']);
    expect(ids(store.listResults({ serial: 'SN-100' }))).toEqual(['e0']);
    expect(ids(store.listResults({ serial: 'sn' }))).toEqual(['e3']);
    expect(store.listResults({ serial: 'SN-9' })).toEqual({ items: [], total: 0, page: 1, pageSize: 50 });
  });

  test('a prefix that matches most of the store pages newest first all the same', () => {
    const store = scratch.store();
    writeTransaction(store, () => {
      for (let i = 0; i < 2400; i++) {
        // Every tenth run is another product, so the filter has something to leave out.
        const serialNumber = i % 10 === 0 ? `XY-${i}` : `SN-${String(i).padStart(5, '0')}`;
        store.createExecution({
          ...execution(`e${String(i).padStart(5, '0')}`, i * 1000),
          dut: { serialNumber },
        });
      }
    });
    const page = store.listResults({ serial: 'SN-', page: 2, pageSize: 5 });
    // 2160 matches of 2400 runs: past SERIAL_SORT_LIMIT and dense, so the page walks start-time order.
    expect(page.total).toBe(2160);
    // Page 1 is SN-02399 to SN-02395; XY-2390 is not of the prefix.
    expect(page.items.map((r) => r.serialNumber)).toEqual([
      'SN-02394',
      'SN-02393',
      'SN-02392',
      'SN-02391',
      'SN-02389',
    ]);
  });

  test('part number matches exactly and combines with the serial', () => {
    const store = seeded();
    expect(ids(store.listResults({ partNumber: 'PSU-5V' }))).toEqual(['e5', 'e3', 'e1']);
    expect(ids(store.listResults({ partNumber: 'PSU-5' }))).toEqual([]);
    expect(ids(store.listResults({ serial: 'SN-1', partNumber: 'PSU-12V' }))).toEqual(['e2', 'e0']);
  });
});

describe('unitHistory', () => {
  test('every run of the unit across batches and sequences, newest first, with its verdict', () => {
    const store = scratch.store();
    const dut = { serialNumber: 'SN-7' };
    store.createExecution({ ...execution('e1', 1 * min), dut });
    store.createExecution({ ...execution('e2', 2 * min, { batchId: 'batch_2' }), dut });
    store.createExecution({ ...execution('e3', 3 * min, { sequenceName: 'burn_in' }), dut });
    store.createExecution({ ...execution('e4', 4 * min), dut });
    store.createExecution({ ...execution('e5', 5 * min), dut });
    store.createExecution({ ...execution('other', 6 * min), dut: { serialNumber: 'SN-8' } });
    store.finishExecution('e1', { status: 'failed', overallPass: false, completedAt: at(1 * min + 5000) });
    store.finishExecution('e2', { status: 'completed', overallPass: true, completedAt: at(2 * min + 5000) });
    store.finishExecution('e3', { status: 'stopped', overallPass: false, statusReason: 'ABORTED' });
    store.finishExecution('e4', {
      status: 'failed',
      overallPass: false,
      statusReason: 'BATCH_CRASHED',
      error: 'runner exited with signal SIGKILL',
    });
    const history = store.unitHistory('SN-7');
    expect(history?.serialNumber).toBe('SN-7');
    expect(history?.total).toBe(5);
    expect(history?.runs.map((r) => [r.id, r.batchId, r.sequenceName, r.verdict])).toEqual([
      ['e5', 'batch_1', 'psu_functional', null],
      ['e4', 'batch_1', 'psu_functional', 'ERROR'],
      ['e3', 'batch_1', 'burn_in', 'ABORTED'],
      ['e2', 'batch_2', 'psu_functional', 'PASS'],
      ['e1', 'batch_1', 'psu_functional', 'FAIL'],
    ]);
    expect(history?.runs[3]).toEqual({ ...store.getExecution('e2')!, resumeCount: 0, verdict: 'PASS' });
  });

  test('a unit never seen is undefined, and a prefix is not a unit', () => {
    const store = scratch.store();
    store.createExecution({ ...execution('e1'), dut: { serialNumber: 'SN-77' } });
    expect(store.unitHistory('SN-7')).toBeUndefined();
    expect(store.unitHistory('')).toBeUndefined();
  });
});
