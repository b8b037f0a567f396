// The step functions: one named export per step of manifest.yaml. Import types only (erased at run time).
import type { StepContext } from '@station/sequence';

export async function power_on(ctx: StepContext): Promise<void> {
  const volts = ctx.params.supply_voltage as number;
  await ctx.hardware.dut!.run('power_on', { voltage: volts });
  ctx.log.info(`board powered at ${volts} V`);
}

export async function measure_rail(ctx: StepContext): Promise<void> {
  // Compared with the limits in manifest.yaml (3.2..3.4 V) after the step returns.
  ctx.measure('rail_3v3', await ctx.hardware.dut!.run<number>('read_rail'));
}

export async function power_off(ctx: StepContext): Promise<void> {
  await ctx.hardware.dut?.run('power_off');
}
