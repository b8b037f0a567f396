// Step functions of psu_functional; one named export per step in manifest.yaml, in the same order.
import type { StepContext } from '@station/sequence';

export async function initialize(ctx: StepContext): Promise<void> {
  const { psu } = ctx.hardware;
  if (!psu) throw new Error('hardware "psu" is not configured');
  await psu.run('output_off');
  await psu.run('set_voltage', { voltage: 0 });
  await psu.run('set_current_limit', { current: ctx.params.current_limit });
  ctx.log.info(`supply initialised, current limit ${ctx.params.current_limit} A`);
}

export async function set_output(ctx: StepContext): Promise<{ voltage: number }> {
  const psu = ctx.hardware.psu!;
  const voltage = ctx.params.output_voltage as number;
  await psu.run('set_voltage', { voltage });
  await psu.run('output_on');
  await ctx.sleep(ctx.params.settle_ms as number);
  ctx.log.info(`output on at ${voltage} V`);
  return { voltage };
}

// Percent deviation from the setpoint; a 0 V setpoint compares absolute millivolts instead of dividing by 0.
function errorPct(measured: number, setpoint: number): number {
  return setpoint === 0 ? measured * 1000 : ((measured - setpoint) / setpoint) * 100;
}

export async function measure_voltage(ctx: StepContext): Promise<void> {
  const setpoint = ctx.params.output_voltage as number;
  const atDut = await ctx.hardware.dmm!.run<number>('measure_voltage');
  const readback = await ctx.hardware.psu!.run<number>('measure_voltage');
  ctx.measure('output_voltage', atDut);
  ctx.measure('voltage_error', errorPct(atDut, setpoint));
  ctx.measure('readback_error', errorPct(readback, setpoint));
}

export async function measure_current(ctx: StepContext): Promise<void> {
  ctx.measure('load_current', await ctx.hardware.psu!.run<number>('measure_current'));
  const state = await ctx.hardware.psu!.run<{ mode: string }>('get_state');
  ctx.measure('regulation_mode', state.mode);
}

export async function measure_ripple(ctx: StepContext): Promise<void> {
  const ripple = await ctx.hardware.dmm!.run<number>('measure_ripple');
  ctx.measure('ripple', ripple);
  if (ripple > 0.008) ctx.log.warn(`ripple ${(ripple * 1000).toFixed(1)} mVpp is close to the limit`);
}

export async function cleanup(ctx: StepContext): Promise<void> {
  await ctx.hardware.psu?.run('output_off');
  ctx.log.info('output off');
}
