// Step functions of failure_paths. Each failing path is chosen by `params.path`; nothing else differs.
import type { StepContext } from '@station/sequence';

export async function power_up(ctx: StepContext): Promise<void> {
  const extra = ctx.params.path === 'limit_failure' ? 1 : 0;
  await ctx.hardware.psu!.run('set_current_limit', { current: 1 });
  await ctx.hardware.psu!.run('set_voltage', { voltage: (ctx.params.output_voltage as number) + extra });
  await ctx.hardware.psu!.run('output_on');
  ctx.log.info(`path: ${ctx.params.path}`);
}

export async function limit_check(ctx: StepContext): Promise<void> {
  ctx.measure('dut_voltage', await ctx.hardware.dmm!.run<number>('measure_voltage'));
}

export async function slow_step(ctx: StepContext): Promise<void> {
  if (ctx.params.path !== 'timeout') return;
  ctx.log.info(`waiting ${ctx.params.hang_ms} ms`);
  // ctx.sleep rejects when the step's timeout fires, so the step ends promptly with STEP_TIMEOUT.
  await ctx.sleep(ctx.params.hang_ms as number);
}

export async function flaky_step(ctx: StepContext): Promise<{ attempt: number }> {
  if (ctx.params.path === 'retry' && ctx.attempt === 1) {
    throw new Error('relay contact bounce on first closure (simulated)');
  }
  const state = await ctx.hardware.relay!.run<{ closed: boolean }>('close', { channel: 1 });
  ctx.measure('relay_closed', state.closed);
  return { attempt: ctx.attempt };
}

export async function relay_check(ctx: StepContext): Promise<void> {
  // Channel 99 does not exist on an 8-channel card: the driver throws, the step fails with HARDWARE_ERROR.
  const channel = ctx.params.path === 'hardware_error' ? 99 : 2;
  await ctx.hardware.relay!.run('close', { channel });
  await ctx.hardware.relay!.run('open', { channel });
}

export async function cleanup(ctx: StepContext): Promise<void> {
  await ctx.hardware.relay?.run('open_all');
  await ctx.hardware.psu?.run('output_off');
  ctx.log.info('relays open, output off');
}
