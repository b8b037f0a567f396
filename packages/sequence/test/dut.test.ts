import { describe, expect, test } from 'bun:test';
import { checkStartDut, type DutSpec } from '../src/dut.ts';
import { runSequence } from '../src/engine.ts';
import { parseManifest } from '../src/manifest.ts';
import type { SerialSet } from '../src/results.ts';
import { type FakeStep, fakePackage, manifestText } from './helpers.ts';

describe('the manifest dut block', () => {
  test('absent, a run takes an optional serial of any form', () => {
    expect(parseManifest(manifestText('p')).manifest?.dut).toEqual({ serial: 'optional' });
  });

  test('serial and serial_pattern as written', () => {
    const text = manifestText('p', "dut:\n  serial: required\n  serial_pattern: 'SN-[0-9]{6}'\n");
    expect(parseManifest(text).manifest?.dut).toEqual({ serial: 'required', serialPattern: 'SN-[0-9]{6}' });
  });

  test('a pattern that is not a regular expression is a located problem at load', () => {
    const text = manifestText('p', "dut:\n  serial: required\n  serial_pattern: 'SN-[0-9'\n");
    expect(parseManifest(text).problems).toEqual([
      {
        code: 'BAD_PATTERN',
        file: 'manifest.yaml',
        line: 6,
        column: 19,
        path: 'dut.serial_pattern',
        message: 'not a valid regular expression: missing terminating ] for character class',
      },
    ]);
  });

  test('a pattern with serial: none, and an unknown mode, are problems too', () => {
    const none = manifestText('p', "dut:\n  serial: none\n  serial_pattern: 'SN-.*'\n");
    expect(parseManifest(none).problems.map((p) => [p.code, p.path, p.message])).toEqual([
      [
        'BAD_PATTERN',
        'dut.serial_pattern',
        'a serial pattern with serial: none can never apply; remove one of them',
      ],
    ]);
    const bogus = manifestText('p', 'dut:\n  serial: always\n  sn: 1\n');
    expect(parseManifest(bogus).problems.map((p) => [p.code, p.path, p.message])).toEqual([
      ['SCHEMA', 'dut.serial', 'expected one of required, optional, none'],
      ['SCHEMA', 'dut.sn', 'unknown key "sn"'],
    ]);
  });
});

describe('checkStartDut', () => {
  const required: DutSpec = { serial: 'required', serialPattern: 'SN-[0-9]{6}' };
  const refusal = (spec: DutSpec, dut: Parameters<typeof checkStartDut>[1]) => {
    try {
      checkStartDut(spec, dut);
    } catch (err) {
      const e = err as { code: string; message: string; details: unknown };
      return { code: e.code, message: e.message, details: e.details };
    }
    return undefined;
  };

  test('a serial that matches the whole pattern passes', () => {
    expect(refusal(required, { serialNumber: 'SN-004711', partNumber: 'PSU-12V' })).toBeUndefined();
    expect(refusal({ serial: 'optional' }, undefined)).toBeUndefined();
    expect(refusal({ serial: 'none' }, undefined)).toBeUndefined();
  });

  test('a missing serial when the manifest requires one', () => {
    const message = 'this sequence needs the serial number of the unit (dut.serialNumber)';
    expect(refusal(required, undefined)).toEqual({
      code: 'BAD_SERIAL',
      message,
      details: {
        errors: [{ path: '/dut/serialNumber', message }],
        serial: 'required',
        pattern: 'SN-[0-9]{6}',
      },
    });
  });

  test('a mismatch names the pattern; the pattern must match the whole serial, not a part of it', () => {
    const message =
      'serial number "SN-0047119" does not match the pattern SN-[0-9]{6} (manifest dut.serial_pattern)';
    expect(refusal(required, { serialNumber: 'SN-0047119' })).toEqual({
      code: 'BAD_SERIAL',
      message,
      details: {
        errors: [{ path: '/dut/serialNumber', message }],
        serial: 'required',
        pattern: 'SN-[0-9]{6}',
      },
    });
  });

  test('a serial for a sequence that takes none', () => {
    expect(refusal({ serial: 'none' }, { serialNumber: 'SN-1' })?.message).toBe(
      'this sequence takes no serial number (manifest dut.serial: none)',
    );
  });
});

describe('ctx.dut in a run', () => {
  const unit = {
    serialNumber: null,
    partNumber: 'PSU-12V',
    revision: null,
    lot: null,
    serialSourceStep: null,
  };

  async function run(steps: FakeStep[], dut: DutSpec = { serial: 'optional', serialPattern: 'SN-[0-9]+' }) {
    const serials: SerialSet[] = [];
    const starts: unknown[] = [];
    const outcome = await runSequence({
      pkg: fakePackage(steps, {}, dut),
      params: {},
      drivers: {},
      executionId: 'exec_1',
      batchId: 'batch_1',
      dut: { serialNumber: 'SN-1', partNumber: 'PSU-12V' },
      sink: { onSerial: (s) => void serials.push(s), onSequenceStart: (s) => void starts.push(s.dut) },
      graceMs: 100,
    });
    return { outcome, serials, starts };
  }

  test('a step reads the serial from the unit; later steps see it and the run records which step it was', async () => {
    const seen: (string | null)[] = [];
    const { outcome, serials, starts } = await run([
      { name: 'before', fn: (ctx) => void seen.push(ctx.dut.serialNumber) },
      { name: 'read_label', fn: (ctx) => ctx.dut.setSerial('SN-42') },
      { name: 'after', fn: (ctx) => void seen.push(ctx.dut.serialNumber, ctx.dut.partNumber) },
    ]);
    expect(outcome.status).toBe('completed');
    expect(seen).toEqual(['SN-1', 'SN-42', 'PSU-12V']);
    expect(serials).toEqual([{ serialNumber: 'SN-42', step: 'read_label' }]);
    expect(starts).toEqual([{ ...unit, serialNumber: 'SN-1' }]);
    expect(outcome.dut).toEqual({ ...unit, serialNumber: 'SN-42', serialSourceStep: 'read_label' });
  });

  test('a serial the manifest refuses fails the step that set it, and the unit keeps its serial', async () => {
    const { outcome, serials } = await run([{ name: 'read_label', fn: (ctx) => ctx.dut.setSerial('XX-42') }]);
    expect(outcome.status).toBe('failed');
    expect(outcome.steps[0]?.error).toBe(
      'BAD_SERIAL: ctx.dut.setSerial: serial number "XX-42" does not match the pattern SN-[0-9]+ (manifest dut.serial_pattern)',
    );
    expect(serials).toEqual([]);
    expect(outcome.dut.serialNumber).toBe('SN-1');
  });
});
