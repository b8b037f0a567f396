// Step functions of exit_codes (station run's tests).
import type { StepContext } from '@station/sequence';

export async function work(ctx: StepContext): Promise<void> {
  if (ctx.params.mode === 'wait') {
    ctx.log.info('waiting for Ctrl-C');
    await ctx.sleep(60_000);
  }
  ctx.measure('reading', ctx.params.mode === 'fail' ? 7 : (ctx.params.reading as number));
  ctx.measure('mode', ctx.params.mode === 'timeout' ? 'pass' : (ctx.params.mode as string));
}

export async function slow(ctx: StepContext): Promise<void> {
  if (ctx.params.mode === 'timeout') await ctx.sleep(10_000);
}

export async function after(): Promise<void> {}

export async function cleanup(ctx: StepContext): Promise<void> {
  ctx.log.info('cleanup ran');
}
