// The one model: what the station publishes and stores passes its schemas, and what breaks them is named.
import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import {
  API_ERROR_CODES,
  BUS_ERROR_CODES,
  EXECUTION_STATUSES,
  ExecutionResult,
  ExecutionStatus,
  events,
  HTTP_STATUS,
  type HttpErrorCode,
  httpStatusOf,
  RUNNER_ERROR_CODES,
  ServerMessage,
  STEP_STATUSES,
  StationEvent,
  type StepResult,
  StepStatus,
  SUPERVISOR_ERROR_CODES,
  stepComplete,
} from '../src/index.ts';

/**
 * A failed step as the engine reports it for sequences/failure_paths (`path: limit_failure`); the runner's
 * own test checks every event of real runs against the same schemas.
 */
const failedStep: StepResult = {
  name: 'limit_check',
  order: 1,
  status: 'failed',
  pass: false,
  startedAt: '2026-12-02T07:40:01.112Z',
  completedAt: '2026-12-02T07:40:01.131Z',
  duration: 0.019,
  attempts: 1,
  result: null,
  error: 'STEP_FAILED: dut_voltage = 6 V is outside [4.9, 5.1] V',
  measurements: [
    { name: 'dut_voltage', value: 6, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: false },
  ],
};

const errorsOf = (schema: Parameters<typeof Value.Errors>[0], value: unknown) =>
  [...Value.Errors(schema, value)].map((e) => `${e.path} ${e.message}`);

describe('events', () => {
  test('step_complete of a recorded step: the SPEC fields, the measurements once, and it validates', () => {
    const event = { type: 'step_complete', batch_id: 'batch_2', data: stepComplete(failedStep) };
    expect(event.data).toEqual({
      step: 'limit_check',
      duration: 0.019,
      pass: false,
      result: null,
      status: 'failed',
      error: 'STEP_FAILED: dut_voltage = 6 V is outside [4.9, 5.1] V',
      measurements: failedStep.measurements,
    });
    expect(errorsOf(events.step_complete, event)).toEqual([]);
    expect(Value.Check(StationEvent, event)).toBe(true);
    expect(Value.Check(ServerMessage, event)).toBe(true);
  });

  test('a measurement without a verdict, or a step_complete without its step, is refused by name', () => {
    const undecided = {
      type: 'step_complete',
      batch_id: 'b1',
      data: { ...stepComplete(failedStep), measurements: [{ ...failedStep.measurements[0], pass: null }] },
    };
    expect(errorsOf(events.step_complete, undecided)).toContain('/data/measurements/0/pass Expected boolean');
    const { step: _step, ...anonymous } = stepComplete(failedStep);
    expect(
      errorsOf(events.step_complete, { type: 'step_complete', batch_id: 'b1', data: anonymous }),
    ).toEqual(['/data/step Expected required property', '/data/step Expected string']);
  });

  test('sequence_complete carries the stored steps whole and its verdict; an unknown status is refused', () => {
    const data = {
      executionId: 'exec_1',
      overallPass: false,
      duration: 1.5,
      status: 'failed',
      statusReason: null,
      steps: [failedStep],
      verdict: 'FAIL',
    };
    expect(Value.Check(events.sequence_complete, { type: 'sequence_complete', batch_id: 'b', data })).toBe(
      true,
    );
    for (const bad of [
      { ...data, status: 'exploded' },
      { ...data, verdict: undefined },
    ]) {
      expect(
        Value.Check(events.sequence_complete, { type: 'sequence_complete', batch_id: 'b', data: bad }),
      ).toBe(false);
    }
  });
});

describe('results', () => {
  test('an execution as GET /api/results/{id} serves it validates', () => {
    const execution = {
      id: 'exec_1',
      batchId: 'batch_2',
      sequenceName: 'failure_paths',
      sequenceVersion: '1.0.0',
      packageHash: 'f'.repeat(64),
      status: 'failed',
      overallPass: false,
      parameters: { path: 'limit_failure' },
      startedAt: '2026-12-02T07:40:01.000Z',
      completedAt: '2026-12-02T07:40:01.200Z',
      duration: 0.2,
      error: 'STEP_FAILED: dut_voltage = 6 V is outside [4.9, 5.1] V',
      statusReason: null,
      syncedAt: null,
      operator: null,
      serialNumber: 'SN0042',
      partNumber: null,
      revision: null,
      lot: null,
      serialSourceStep: null,
      steps: [failedStep],
    };
    expect(errorsOf(ExecutionResult, execution)).toEqual([]);
    expect(Value.Check(ExecutionResult, { ...execution, statusReason: 'TIRED' })).toBe(false);
  });

  test('each status list and its schema are one list', () => {
    expect(ExecutionStatus.anyOf.map((s) => s.const)).toEqual([...EXECUTION_STATUSES]);
    expect(StepStatus.anyOf.map((s) => s.const)).toEqual([...STEP_STATUSES]);
  });
});

describe('error codes', () => {
  test('every code of every boundary that reaches HTTP has its status, and nothing else is in the table', () => {
    const codes = new Set([
      ...API_ERROR_CODES,
      ...BUS_ERROR_CODES,
      ...SUPERVISOR_ERROR_CODES,
      ...RUNNER_ERROR_CODES,
    ]);
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...codes].sort());
    for (const code of codes) expect(httpStatusOf(code)).toBeWithin(400, 600);
    expect([httpStatusOf('NOT_FOUND'), httpStatusOf('BAD_REQUEST'), httpStatusOf('TIMEOUT')]).toEqual([
      404, 422, 504,
    ]);
  });

  test('a code a service invents is a 500, and a table that misses a code does not compile', () => {
    expect(httpStatusOf('SOMETHING_NEW')).toBe(500);
    const { NOT_FOUND: _left, ...missingOne } = HTTP_STATUS;
    // @ts-expect-error NOT_FOUND has no status: the table is exhaustive over HttpErrorCode.
    const table: Record<HttpErrorCode, number> = missingOne;
    expect(Object.keys(table)).not.toContain('NOT_FOUND');
  });
});
