import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { openStore } from '../src/index.ts';
import { fixture, output, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

describe('several processes writing one store', () => {
  test('three runners and a draining sync agent all finish without a busy error, and nothing is lost', async () => {
    const path = join(scratch.dir(), 'station.db');
    openStore(path).close();
    const runners = ['batch_1', 'batch_2', 'batch_3'].map((batch) =>
      scratch.spawn(fixture('writer-fixture.ts', path, '5', '12', batch)),
    );
    const agent = scratch.spawn(fixture('claim-fixture.ts', path, 'agent-a', '0', '36'));
    for (const r of await Promise.all(runners.map(output))) expect(r).toMatchObject({ code: 0, err: '' });
    expect(await output(agent)).toMatchObject({ code: 0, err: '' });
    const store = scratch.track(openStore(path));
    const counts = store.sqlite
      .query(
        `SELECT batch_id AS batch, count(*) AS executions,
           sum(status = 'completed') AS completed, sum(synced_at IS NOT NULL) AS synced,
           (SELECT count(*) FROM step_results s JOIN executions x ON x.id = s.execution_id WHERE x.batch_id = e.batch_id) AS steps
         FROM executions e GROUP BY batch_id ORDER BY batch_id`,
      )
      .all();
    const perBatch = { executions: 12, completed: 12, synced: 12, steps: 60 };
    expect(counts).toEqual([
      { batch: 'batch_1', ...perBatch },
      { batch: 'batch_2', ...perBatch },
      { batch: 'batch_3', ...perBatch },
    ]);
    expect(store.syncStats()).toEqual(expect.objectContaining({ pending: 0, inFlight: 0, done: 36 }));
  });

  test('a runner killed with SIGKILL mid-sequence leaves every finished step whole, and the supervisor can close it', async () => {
    const path = join(scratch.dir(), 'station.db');
    openStore(path).close();
    const runner = scratch.spawn(fixture('writer-fixture.ts', path, '1000', '1', 'batch_1'));
    const store = scratch.track(openStore(path));
    const stepsWritten = () =>
      store.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM step_results').get()?.n ?? 0;
    const deadline = Date.now() + 15_000;
    while (stepsWritten() < 20 && Date.now() < deadline) await Bun.sleep(5);
    runner.kill('SIGKILL');
    expect(await runner.exited).not.toBe(0);

    expect(store.sqlite.query('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    const [running] = store.runningExecutions('batch_1');
    expect(running?.status).toBe('running');
    const result = store.getResult(running!.id)!;
    // Steps 0..k-1 are all there, each with its one measurement: none lost, none half-written.
    expect(result.steps.length).toBeGreaterThanOrEqual(20);
    expect(result.steps.map((s) => s.order)).toEqual(result.steps.map((_, i) => i));
    expect(result.steps.filter((s) => s.measurements.length !== 1)).toEqual([]);

    expect(
      store.markInterrupted(running!.id, 'failed', {
        reason: 'BATCH_CRASHED',
        message: 'runner killed (SIGKILL)',
      }),
    ).toEqual([running!.id]);
    const after = store.getResult(running!.id)!;
    expect({ status: after.status, error: after.error, steps: after.steps.length }).toEqual({
      status: 'failed',
      error: 'runner killed (SIGKILL)',
      steps: result.steps.length,
    });
    expect(store.syncStats().pending).toBe(1);
  });
});
