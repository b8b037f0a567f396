// Steps of the supervisor's unruly test package.
import type { StepContext } from '@station/sequence';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function setup(ctx: StepContext): Promise<void> {
  await ctx.hardware.psu!.run('output_on');
}

/** `wait`: honours abort. `ignore_abort`: never returns. `allocate`: grows by alloc_mb, then never returns. */
export async function hold(ctx: StepContext): Promise<void> {
  const mode = ctx.params.mode as string;
  if (mode === 'wait') {
    await ctx.sleep(120_000);
    return;
  }
  const kept: Uint8Array[] = [];
  let left = ctx.params.alloc_mb as number;
  ctx.log.info(`holding on (${mode}, ${left} MB)`);
  for (;;) {
    if (left > 0) {
      const mb = Math.min(8, left);
      // Filled, so the pages are really resident and count in RSS.
      kept.push(new Uint8Array(mb * 1024 * 1024).fill(1));
      left -= mb;
    }
    await pause(20);
  }
}

export async function report(): Promise<void> {}

export async function power_off(ctx: StepContext): Promise<void> {
  if (ctx.params.cleanup_fails) throw new Error('relay stuck: output cannot be switched off');
  await ctx.hardware.psu!.run('output_off');
}
