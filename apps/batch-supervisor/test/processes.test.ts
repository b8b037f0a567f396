// The supervisor as a real process, with real runner processes (runner-fixture.ts), a real broker and a
// real store: what an operator would see through the bus, `ps` and the database.
import { afterEach, describe, expect, test } from 'bun:test';
import { until } from '../../../tests/support/process.ts';
import { alive, type BatchSpec, commandLine, Station } from './station.ts';

let station: Station | undefined;
afterEach(async () => {
  await station?.dispose();
  station = undefined;
});

async function up(batches: BatchSpec[]): Promise<Station> {
  station = await new Station(batches).up();
  station.supervisor();
  await station.ready();
  return station;
}

describe('start, stop, restart through the bus', () => {
  test('each batch starts a named runner process, stops it, and restarts it', async () => {
    const st = await up([{ id: 'b1' }, { id: 'b2' }]);
    const c = st.client;
    const one = await c.request('supervisor', 'batch.start', { batchId: 'b1' });
    const two = await c.request('supervisor', 'batch.start', { batchId: 'b2' });
    expect(one.status).toBe('running');
    expect(alive(one.pid) && alive(two.pid)).toBe(true);
    // The runbook greps `ps` for "station": the command line carries the marker and the batch id.
    expect(commandLine(one.pid)).toContain('--batch b1 --station test_station');
    expect(st.runnerPids().sort()).toEqual([one.pid, two.pid].sort());
    const list = await c.request('supervisor', 'batch.list', {});
    expect(list.map((b) => [b.id, b.status, b.pid])).toEqual([
      ['b1', 'running', one.pid],
      ['b2', 'running', two.pid],
    ]);

    const again = await c.request('supervisor', 'batch.restart', { batchId: 'b1' });
    expect(again.pid).not.toBe(one.pid);
    expect(alive(one.pid)).toBe(false);
    expect(alive(two.pid)).toBe(true);

    expect(await c.request('supervisor', 'batch.stop', { batchId: 'b1' })).toEqual({ status: 'idle' });
    expect(await c.request('supervisor', 'batch.stop', { batchId: 'b2' })).toEqual({ status: 'idle' });
    expect(alive(again.pid) || alive(two.pid)).toBe(false);
    expect(st.runnerPids()).toEqual([]);
    const statuses = st.ofBatch('b2', 'batch_status').map((e) => (e.data as { status: string }).status);
    expect(statuses.filter((s, i) => s !== statuses[i - 1])).toEqual([
      'starting',
      'running',
      'stopping',
      'idle',
    ]);
  });
});
