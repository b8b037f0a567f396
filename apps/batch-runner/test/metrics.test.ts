// The runner's metrics from the events it publishes: each run by the verdict it ended with, run and step
// durations by step.
import { describe, expect, test } from 'bun:test';
import type { StationEvent } from '@station/model';
import { runVerdict } from '@station/service/metrics';
import { parseExposition, sampleValue } from '../../../tests/support/metrics.ts';
import { RunnerMetrics } from '../src/metrics.ts';

const done = (data: Partial<Extract<StationEvent, { type: 'sequence_complete' }>['data']>): StationEvent => ({
  type: 'sequence_complete',
  batch_id: 'batch_1',
  data: {
    executionId: 'e',
    overallPass: true,
    duration: 12,
    steps: [],
    status: 'completed',
    verdict: 'PASS',
    ...data,
  },
});

describe('runner metrics', () => {
  test('each run counts under the verdict it ended with, whatever its steps said', () => {
    const of = (e: StationEvent) => (e.type === 'sequence_complete' ? runVerdict(e.data) : undefined);
    expect(of(done({ verdict: 'ERROR', overallPass: false, status: 'failed' }))).toBe('error');
    expect(of(done({ verdict: 'ABORTED', overallPass: false, status: 'stopped' }))).toBe('aborted');
    expect(of(done({}))).toBe('pass');
    expect(of(done({ verdict: 'FAIL', overallPass: false, status: 'failed' }))).toBe('fail');
    // A run whose results could not be stored passed its steps, and is still its unit's ERROR.
    expect(
      of(
        done({ verdict: 'ERROR', overallPass: true, error: { code: 'STORAGE_FULL', message: 'disk full' } }),
      ),
    ).toBe('error');
  });

  test('runs by verdict and steps by name, in the exposition with the batch and the service', async () => {
    const m = new RunnerMetrics('batch_1', { defaults: false });
    const step = (name: string, duration: number, pass: boolean): StationEvent => ({
      type: 'step_complete',
      batch_id: 'batch_1',
      data: { step: name, duration, pass, result: null, status: pass ? 'completed' : 'failed' },
    });
    m.observe(step('measure', 0.3, true));
    m.observe(step('measure', 7, false));
    m.observe(done({ overallPass: false, status: 'failed', duration: 8, verdict: 'FAIL' }));
    m.observe(done({ status: 'stopped', duration: 1, verdict: 'ABORTED' }));
    m.observe({ type: 'log', batch_id: 'batch_1', data: { level: 'info', message: 'x', timestamp: 't' } });
    const e = parseExposition(await m.registry.metrics());
    const runs = (verdict: string) => sampleValue(e, 'station_runs_total', { batch: 'batch_1', verdict });
    expect([runs('pass'), runs('fail'), runs('aborted'), runs('error')]).toEqual([0, 1, 1, 0]);
    const labels = { batch: 'batch_1', step: 'measure', service: 'runner.batch_1' };
    expect(sampleValue(e, 'station_step_duration_seconds_count', labels)).toBe(2);
    expect(sampleValue(e, 'station_step_duration_seconds_bucket', { ...labels, le: '0.5' })).toBe(1);
    expect(sampleValue(e, 'station_step_duration_seconds_bucket', { ...labels, le: '10' })).toBe(2);
    expect(sampleValue(e, 'station_steps_total', { batch: 'batch_1', status: 'failed' })).toBe(1);
    expect(sampleValue(e, 'station_run_duration_seconds_sum', { batch: 'batch_1' })).toBe(9);
  });
});
