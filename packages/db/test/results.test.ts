import { afterEach, describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { ExecutionResult, ResultsPage } from '@station/model';
import { type ExecutionRow, MAX_PAGE_SIZE } from '../src/index.ts';
import { at, execution, executionRow, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

/**
 * Five executions, started one minute apart:
 * e1 batch_1 psu pass, e2 batch_2 psu fail, e3 batch_1 other pass, e4 batch_1 psu stopped, e5 batch_2 running.
 */
function seeded() {
  const store = scratch.store();
  const min = 60_000;
  store.createExecution(execution('e1', 1 * min));
  store.createExecution(execution('e2', 2 * min, { batchId: 'batch_2' }));
  store.createExecution(execution('e3', 3 * min, { sequenceName: 'other' }));
  store.createExecution(execution('e4', 4 * min));
  store.createExecution(execution('e5', 5 * min, { batchId: 'batch_2' }));
  store.finishExecution('e1', { status: 'completed', overallPass: true, completedAt: at(1 * min + 10_000) });
  store.finishExecution('e2', { status: 'failed', overallPass: false, completedAt: at(2 * min + 10_000) });
  store.finishExecution('e3', { status: 'completed', overallPass: true, completedAt: at(3 * min + 10_000) });
  store.finishExecution('e4', { status: 'stopped', overallPass: false, completedAt: at(4 * min + 10_000) });
  return store;
}

const ids = (items: ExecutionRow[]) => items.map((i) => i.id);

describe('listResults', () => {
  test('lists newest first with whole rows and the total', () => {
    const store = seeded();
    const page = store.listResults({ pageSize: 2 });
    expect(page).toEqual({
      items: [
        { ...executionRow('e5', 300_000, { batchId: 'batch_2' }), resumeCount: 0 },
        {
          ...executionRow('e4', 240_000, {
            status: 'stopped',
            overallPass: false,
            completedAt: at(250_000),
            duration: 10,
          }),
          resumeCount: 0,
        },
      ],
      total: 5,
      page: 1,
      pageSize: 2,
    });
  });

  test('pages through every row exactly once', () => {
    const store = seeded();
    const pages = [1, 2, 3, 4].map((page) => store.listResults({ page, pageSize: 2 }));
    expect(pages.map((p) => ids(p.items))).toEqual([['e5', 'e4'], ['e3', 'e2'], ['e1'], []]);
    expect(pages.map((p) => p.total)).toEqual([5, 5, 5, 5]);
  });

  test.each([
    ['batchId', { batchId: 'batch_2' }, ['e5', 'e2']],
    ['status', { status: 'completed' as const }, ['e3', 'e1']],
    ['pass true', { pass: true }, ['e3', 'e1']],
    ['pass false', { pass: false }, ['e4', 'e2']],
    ['sequence', { sequence: 'other' }, ['e3']],
    ['from (inclusive)', { from: at(180_000) }, ['e5', 'e4', 'e3']],
    ['to (exclusive)', { to: at(180_000) }, ['e2', 'e1']],
    ['from and to as Dates', { from: new Date(at(120_000)), to: new Date(at(240_001)) }, ['e4', 'e3', 'e2']],
    ['combined', { batchId: 'batch_1', sequence: 'psu_functional', pass: false }, ['e4']],
    ['nothing matches', { batchId: 'batch_9' }, []],
  ])('filters by %s', (_name, filter, expected) => {
    const store = seeded();
    const page = store.listResults(filter);
    expect({ ids: ids(page.items), total: page.total }).toEqual({ ids: expected, total: expected.length });
  });

  test(`caps the page size at ${MAX_PAGE_SIZE} and says so`, () => {
    const store = seeded();
    const page = store.listResults({ pageSize: 10_000 });
    expect({ pageSize: page.pageSize, count: page.items.length }).toEqual({
      pageSize: MAX_PAGE_SIZE,
      count: 5,
    });
  });

  test('defaults to page 1 of 50', () => {
    const store = scratch.store();
    expect(store.listResults()).toEqual({ items: [], total: 0, page: 1, pageSize: 50 });
  });

  test.each([[{ page: 0 }], [{ page: 1.5 }], [{ pageSize: 0 }], [{ from: 'not a date' }]])(
    'refuses %j with INVALID_ARGUMENT',
    (query) => {
      const store = scratch.store();
      expect(() => store.listResults(query)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    },
  );

  test.each([
    ['no filter', ''],
    ['batch', "WHERE batch_id = 'b'"],
    ['status', "WHERE status = 'completed'"],
    ['sequence', "WHERE sequence_name = 's'"],
  ])('reads a page in index order, without sorting (%s)', (_name, where) => {
    const store = scratch.store();
    const plan = store.sqlite
      .query<{ detail: string }, []>(
        `EXPLAIN QUERY PLAN SELECT * FROM executions ${where} ORDER BY started_at DESC, id DESC LIMIT 50`,
      )
      .all()
      .map((r) => r.detail)
      .join('\n');
    expect(plan).toContain('USING INDEX executions_');
    expect(plan).not.toContain('TEMP B-TREE');
  });

  test("a page's resume counts are one keyed lookup of the recoveries, not a scan of them", () => {
    const store = scratch.store();
    const plan = store.sqlite
      .query<{ detail: string }, []>(
        "EXPLAIN QUERY PLAN SELECT execution_id, record FROM recoveries WHERE execution_id IN ('a', 'b')",
      )
      .all()
      .map((r) => r.detail);
    expect(plan).toEqual(['SEARCH recoveries USING INDEX sqlite_autoindex_recoveries_1 (execution_id=?)']);
  });
});

describe('getResult', () => {
  test('returns the whole ExecutionResult with steps in order and their measurements', () => {
    const store = scratch.store();
    store.createExecution(execution('exec_a'));
    store.recordStep(
      'exec_a',
      {
        name: 'init',
        order: 0,
        status: 'completed',
        pass: true,
        startedAt: at(0),
        completedAt: at(500),
        duration: 0.5,
        attempts: 1,
      },
      [],
    );
    store.recordStep(
      'exec_a',
      {
        name: 'measure',
        order: 1,
        status: 'completed',
        pass: true,
        startedAt: at(500),
        completedAt: at(2_000),
        duration: 1.5,
        attempts: 1,
        result: { ok: true },
      },
      [{ name: 'voltage', value: 5, unit: 'V', low: 4.9, high: 5.1, pass: true }],
    );
    store.finishExecution('exec_a', {
      status: 'completed',
      overallPass: true,
      completedAt: at(2_000),
      duration: 2,
    });
    expect(store.getResult('exec_a')).toEqual({
      id: 'exec_a',
      batchId: 'batch_1',
      sequenceName: 'psu_functional',
      sequenceVersion: '1.2.0',
      packageHash: 'sha256:abc',
      status: 'completed',
      overallPass: true,
      parameters: { voltage: 5, label: 'DUT-1' },
      startedAt: at(0),
      completedAt: at(2_000),
      duration: 2,
      error: null,
      statusReason: null,
      syncedAt: null,
      operator: null,
      serialNumber: null,
      partNumber: null,
      revision: null,
      lot: null,
      serialSourceStep: null,
      steps: [
        {
          name: 'init',
          order: 0,
          status: 'completed',
          pass: true,
          startedAt: at(0),
          completedAt: at(500),
          duration: 0.5,
          attempts: 1,
          result: null,
          error: null,
          measurements: [],
        },
        {
          name: 'measure',
          order: 1,
          status: 'completed',
          pass: true,
          startedAt: at(500),
          completedAt: at(2_000),
          duration: 1.5,
          attempts: 1,
          result: { ok: true },
          error: null,
          measurements: [
            { name: 'voltage', value: 5, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: true },
          ],
        },
      ],
    });
    // The rows become @station/model's ExecutionResult here, the one place they do: what the gateway
    // serves and the sync agent posts passes the model's schema as it is.
    expect([...Value.Errors(ExecutionResult, store.getResult('exec_a'))].map((e) => e.path)).toEqual([]);
    expect([...Value.Errors(ResultsPage, store.listResults())].map((e) => e.path)).toEqual([]);
  });

  test('an unknown id gives undefined', () => {
    const store = scratch.store();
    expect(store.getResult('exec_nope')).toBeUndefined();
  });
});
