// Steps of the supervisor's soak test package (resume after a crash). No runtime imports in a package:
// the trace file is appended to through Bun's globals.
import type { StepContext } from '@station/sequence';

async function trace(ctx: StepContext, step: string): Promise<void> {
  const file = Bun.file(ctx.params.trace as string);
  const before = (await file.exists()) ? await file.text() : '';
  await Bun.write(file, `${before}${step}\n`);
}

export async function warm_up(ctx: StepContext): Promise<void> {
  await trace(ctx, 'warm_up');
  await ctx.hardware.psu!.run('output_on');
}

/** Holds until the test creates the release file. */
export async function soak(ctx: StepContext): Promise<void> {
  await trace(ctx, 'soak');
  while (!(await Bun.file(ctx.params.release as string).exists())) await ctx.sleep(50);
}

export async function measure(ctx: StepContext): Promise<void> {
  await trace(ctx, 'measure');
}

export async function power_off(ctx: StepContext): Promise<void> {
  await trace(ctx, 'power_off');
  await ctx.hardware.psu!.run('output_off');
}
