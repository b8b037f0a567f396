// Sleeps as long as soak_s says.
import type { StepContext } from '@station/sequence';

export async function soak(ctx: StepContext): Promise<void> {
  await ctx.sleep((ctx.params.soak_s as number) * 1000);
}
