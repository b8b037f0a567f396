import { afterEach, describe, expect, test } from 'bun:test';
import { Type } from '@sinclair/typebox';
import { listCommands, runManualCommand, validateCommandParams } from '../src/commands.ts';
import { SequenceError } from '../src/errors.ts';
import { type HardwareSet, openHardware } from '../src/hardware.ts';
import { fakePackage } from './helpers.ts';

const pkg = fakePackage([{ name: 'a', fn: () => undefined }], {
  psu: { driver: 'sim_psu', options: { load_ohms: { type: 'number', default: 50 } } },
});

let hw: HardwareSet | undefined;
afterEach(async () => {
  await hw?.close();
  hw = undefined;
});

function caught(fn: () => unknown): SequenceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SequenceError) return err;
    throw err;
  }
  throw new Error('expected a SequenceError');
}

async function rejected(p: Promise<unknown>): Promise<SequenceError> {
  const err = await p.catch((e: unknown) => e);
  if (err instanceof SequenceError) return err;
  throw new Error(`expected a SequenceError, got ${String(err)}`);
}

describe('manual mode', () => {
  test('listCommands lists every command with its schema', async () => {
    hw = await openHardware(pkg);
    const list = listCommands(hw.drivers);
    expect(list.map((c) => c.command)).toEqual([
      'set_voltage',
      'set_current_limit',
      'output_on',
      'output_off',
      'measure_voltage',
      'measure_current',
      'get_state',
    ]);
    expect(list[0]).toEqual({
      hardware: 'psu',
      command: 'set_voltage',
      description: 'Set the output voltage setpoint',
      params: { voltage: { type: 'number', required: true, min: 0, unit: 'V' } },
    });
  });

  test('unknown hardware and unknown commands list what exists', async () => {
    hw = await openHardware(pkg);
    const noHw = await rejected(runManualCommand(hw.drivers, 'dmm', 'measure_voltage', {}));
    expect([noHw.code, noHw.message, noHw.details]).toEqual([
      'UNKNOWN_HARDWARE',
      'no hardware named "dmm"',
      { hardware: 'dmm', available: ['psu'] },
    ]);
    const noCmd = await rejected(runManualCommand(hw.drivers, 'psu', 'explode', {}));
    expect([noCmd.code, noCmd.details?.available]).toEqual([
      'UNKNOWN_COMMAND',
      [
        'set_voltage',
        'set_current_limit',
        'output_on',
        'output_off',
        'measure_voltage',
        'measure_current',
        'get_state',
      ],
    ]);
  });

  test('bad params are a BAD_REQUEST naming each parameter; good ones run at once', async () => {
    hw = await openHardware(pkg);
    const bad = await rejected(runManualCommand(hw.drivers, 'psu', 'set_voltage', { voltage: -1, volts: 2 }));
    expect([bad.code, bad.details]).toEqual([
      'BAD_REQUEST',
      {
        parameters: [
          {
            parameter: 'voltage',
            message: '-1 is out of range: expected >= 0 V',
            expected: '>= 0 V',
            found: '-1',
          },
          { parameter: 'volts', message: 'unknown parameter (known: voltage)', found: '2' },
        ],
      },
    ]);
    const missing = await rejected(runManualCommand(hw.drivers, 'psu', 'set_voltage', {}));
    expect(missing.details).toEqual({
      parameters: [{ parameter: 'voltage', message: 'is required', expected: 'number' }],
    });
    expect(await runManualCommand(hw.drivers, 'psu', 'set_voltage', { voltage: 3 })).toEqual({ voltage: 3 });
  });

  test('validateCommandParams accepts TypeBox schemas too', () => {
    const cmd = {
      params: Type.Object({ channel: Type.Integer({ minimum: 1 }), label: Type.String({ default: 'x' }) }),
    };
    expect(validateCommandParams(cmd, { channel: 2 })).toEqual({ channel: 2, label: 'x' });
    const err = caught(() => validateCommandParams(cmd, { channel: 0 }, 'relay.close'));
    expect([err.code, err.details]).toEqual([
      'BAD_REQUEST',
      {
        parameters: [
          { parameter: 'channel', message: 'Expected integer to be greater or equal to 1', found: '0' },
        ],
      },
    ]);
    expect(caught(() => validateCommandParams(cmd, [1])).message).toBe('command: params must be an object');
  });
});

describe('openHardware configuration checks', () => {
  test.each([
    [
      'hardware the package does not declare',
      { psu: { driver: 'sim_psu' }, scope: { driver: 'sim_dmm' } },
      'UNKNOWN_HARDWARE',
      'hardware not declared by fake: scope',
    ],
    [
      'an option of the wrong type',
      { psu: { driver: 'sim_psu', noise: 'high' } },
      'INVALID_HARDWARE_CONFIG',
      'invalid hardware configuration: psu.noise expected a number, found "high"',
    ],
    [
      'a misspelt option',
      { psu: { driver: 'sim_psu', nosie: 0.1 } },
      'INVALID_HARDWARE_CONFIG',
      'invalid hardware configuration: psu.nosie unknown option 0.1 (known: noise, latency, failure_rate, connect_fail, seed, load_ohms, max_voltage, max_current)',
    ],
    [
      'a driver that does not exist',
      { psu: { driver: 'real_psu' } },
      'INVALID_HARDWARE_CONFIG',
      'invalid hardware configuration: psu.driver unknown driver "real_psu": no drivers/real_psu.ts in the package and no built-in driver of that name (built-in: sim_psu, sim_dmm)',
    ],
  ])('refuses %s', async (_label, config, code, message) => {
    const err = await rejected(openHardware(pkg, config));
    expect([err.code, err.message]).toEqual([code, message]);
  });
});

test('a failed connect disconnects the hardware already connected', async () => {
  const log: string[] = [];
  const def = (name: string, fail: boolean) => ({
    create: () => ({
      connect() {
        if (fail) throw new Error('no answer on COM3');
        log.push(`connect ${name}`);
      },
      disconnect() {
        log.push(`disconnect ${name}`);
      },
      commands: {},
    }),
  });
  const two = fakePackage([{ name: 'a', fn: () => undefined }], {
    meter: { driver: 'good', options: {} },
    scope: { driver: 'bad', options: {} },
  });
  two.drivers = { good: def('meter', false), bad: def('scope', true) };
  const err = await rejected(openHardware(two));
  expect([err.code, err.message, err.details]).toEqual([
    'HARDWARE_ERROR',
    'scope (bad): connect failed: no answer on COM3',
    { hardware: 'scope', driver: 'bad' },
  ]);
  expect(log).toEqual(['connect meter', 'disconnect meter']);
});
