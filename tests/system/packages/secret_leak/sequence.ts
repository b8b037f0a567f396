// Step of secret_leak: an error that carries what the step could read, for the redaction tests.
import type { StepContext } from '@station/sequence';

export async function leak(ctx: StepContext): Promise<void> {
  if (ctx.params.source === 'driver') {
    await ctx.hardware.vault!.run('open');
    return;
  }
  const seen = Object.entries(process.env)
    .filter(([name]) => /KEY|TOKEN|SECRET|PASSWORD/i.test(name))
    .map(([name, value]) => `${name}=${value}`);
  ctx.log.info(`secret-looking variables: ${seen.join(' ')}`);
  throw new Error(`step saw ${seen.join(' ')}`);
}
