// Steps of the runner's test package.
import type { StepContext } from '@station/sequence';

export async function setup(ctx: StepContext): Promise<{ voltage: number }> {
  await ctx.hardware.psu!.run('set_voltage', { voltage: ctx.params.voltage as number });
  await ctx.hardware.psu!.run('output_on');
  ctx.log.info('output on');
  if (ctx.params.label_serial) ctx.dut.setSerial(ctx.params.label_serial as string);
  return { voltage: ctx.params.voltage as number };
}

export async function measure(ctx: StepContext): Promise<void> {
  ctx.measure('voltage', await ctx.hardware.dmm!.run<number>('measure_voltage'));
}

export async function wait(ctx: StepContext): Promise<void> {
  const ms = ctx.params.wait_ms as number;
  if (ms > 0) {
    ctx.log.info(`waiting ${ms} ms`);
    await ctx.sleep(ms);
  }
}

export async function power_off(ctx: StepContext): Promise<void> {
  await ctx.hardware.psu!.run('output_off');
  ctx.log.info('output off');
}
