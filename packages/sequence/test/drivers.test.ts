import { afterEach, describe, expect, test } from 'bun:test';
import { runManualCommand } from '../src/commands.ts';
import { simPsu } from '../src/drivers/sim-psu.ts';
import { isSequenceError } from '../src/errors.ts';
import { type HardwareConfigMap, type HardwareSet, openHardware } from '../src/hardware.ts';
import { fakePackage } from './helpers.ts';

const pkg = fakePackage([{ name: 'a', fn: () => undefined }], {
  psu: { driver: 'sim_psu', options: {} },
  dmm: { driver: 'sim_dmm', options: {} },
});

const open: HardwareSet[] = [];
async function bench(psu: Record<string, unknown> = {}, dmm: Record<string, unknown> = {}) {
  const config: HardwareConfigMap = {
    psu: { driver: 'sim_psu', ...psu },
    dmm: { driver: 'sim_dmm', source: 'psu', ...dmm },
  };
  const hw = await openHardware(pkg, config);
  open.push(hw);
  const call = (hardware: string, command: string, params?: Record<string, unknown>) =>
    runManualCommand(hw.drivers, hardware, command, params);
  return { hw, call };
}
afterEach(async () => {
  for (const hw of open.splice(0)) await hw.close();
});

async function failureCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return isSequenceError(err) ? err.code : 'other';
  }
}

describe('sim_psu and sim_dmm', () => {
  test('readings follow the settings: CV below the limit, CC above it, nothing when off', async () => {
    const { call } = await bench({ load_ohms: 100 });
    await call('psu', 'set_voltage', { voltage: 5 });
    await call('psu', 'set_current_limit', { current: 1 });
    expect(await call('dmm', 'measure_voltage')).toBe(0);
    await call('psu', 'output_on');
    expect([
      await call('psu', 'measure_voltage'),
      await call('psu', 'measure_current'),
      await call('dmm', 'measure_voltage'),
      await call('dmm', 'measure_current'),
      await call('psu', 'get_state'),
    ]).toEqual([5, 0.05, 5, 0.05, { setpoint: 5, current_limit: 1, output: true, mode: 'cv' }]);
    await call('psu', 'set_current_limit', { current: 0.01 });
    expect([await call('dmm', 'measure_voltage'), await call('psu', 'measure_current')]).toEqual([1, 0.01]);
    expect(await call('psu', 'get_state')).toEqual({
      setpoint: 5,
      current_limit: 0.01,
      output: true,
      mode: 'cc',
    });
  });

  test('noise stays within ±noise and varies between readings', async () => {
    const { call } = await bench({ noise: 0.01, seed: 3 }, { noise: 0.01, seed: 4 });
    await call('psu', 'set_voltage', { voltage: 5 });
    await call('psu', 'output_on');
    const readings: number[] = [];
    for (let i = 0; i < 300; i++) readings.push((await call('dmm', 'measure_voltage')) as number);
    expect(Math.min(...readings)).toBeGreaterThanOrEqual(4.99);
    expect(Math.max(...readings)).toBeLessThanOrEqual(5.01);
    expect(new Set(readings).size).toBeGreaterThan(250);
  });

  test('ripple is ±10 % of the configured value on an enabled output and 0 when off', async () => {
    const { call } = await bench({}, { ripple: 0.02 });
    await call('psu', 'set_voltage', { voltage: 12 });
    expect(await call('dmm', 'measure_ripple')).toBe(0);
    await call('psu', 'output_on');
    const r = (await call('dmm', 'measure_ripple')) as number;
    expect(r).toBeGreaterThanOrEqual(0.018);
    expect(r).toBeLessThanOrEqual(0.022);
  });

  test('failure_rate with a seed fails the same calls every run', async () => {
    const pattern = async (seed: number) => {
      const { call } = await bench({ failure_rate: 0.3, seed });
      const out: string[] = [];
      for (let i = 0; i < 100; i++) out.push((await failureCode(call('psu', 'measure_voltage'))) ?? 'ok');
      return out;
    };
    const first = await pattern(42);
    expect(await pattern(42)).toEqual(first);
    expect(await pattern(43)).not.toEqual(first);
    const failures = first.filter((r) => r === 'HARDWARE_ERROR').length;
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(50);
    expect(first.filter((r) => r !== 'ok' && r !== 'HARDWARE_ERROR')).toEqual([]);
  });

  test('connect_fail makes openHardware fail with HARDWARE_ERROR naming the hardware', async () => {
    const err = await openHardware(pkg, { psu: { driver: 'sim_psu', connect_fail: true } }).catch(
      (e: unknown) => e,
    );
    expect(isSequenceError(err, 'HARDWARE_ERROR')).toBe(true);
    expect((err as Error).message).toBe(
      'psu (sim_psu): connect failed: sim_psu psu: connection timeout (simulated)',
    );
  });

  test('latency honours the abort signal, in connect and in commands', async () => {
    const connecting = new AbortController();
    const opening = openHardware(pkg, { psu: { driver: 'sim_psu', latency: 60_000 } }, connecting.signal);
    connecting.abort(new Error('batch stopped'));
    await expect(opening).rejects.toThrow('psu (sim_psu): connect failed: batch stopped');

    const { hw } = await bench({ latency: 20 });
    const ctrl = new AbortController();
    const t0 = performance.now();
    const pending = runManualCommand(hw.drivers, 'psu', 'measure_voltage', {}, ctrl.signal);
    ctrl.abort(new Error('operator stop'));
    await expect(pending).rejects.toThrow('operator stop');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await runManualCommand(hw.drivers, 'psu', 'measure_voltage', {})).toBe(0);
  });

  test('safeState turns the output off', async () => {
    const { hw, call } = await bench();
    await call('psu', 'set_voltage', { voltage: 5 });
    await call('psu', 'output_on');
    expect(await hw.safeState()).toEqual([]);
    expect([await call('dmm', 'measure_voltage'), await call('psu', 'get_state')]).toEqual([
      0,
      { setpoint: 5, current_limit: 1, output: false, mode: 'off' },
    ]);
  });

  test('a command before connect() is a hardware error', async () => {
    const driver = simPsu.create({}, { name: 'psu', peer: () => undefined });
    const err = await runManualCommand({ psu: driver }, 'psu', 'output_on', {}).catch((e: unknown) => e);
    expect(isSequenceError(err, 'HARDWARE_ERROR')).toBe(true);
    expect((err as Error).message).toBe('psu.output_on: sim_psu psu: not connected');
  });

  test('a setpoint above the supply maximum is refused by the instrument', async () => {
    const { call } = await bench({ max_voltage: 10 });
    await expect(call('psu', 'set_voltage', { voltage: 12 })).rejects.toThrow(
      'psu.set_voltage: voltage 12 V outside 0..10 V',
    );
  });
});
