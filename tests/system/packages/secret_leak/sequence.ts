// Step of secret_leak: an error that carries what the step could read, for the redaction tests.
import type { StepContext } from '@station/sequence';

export async function leak(ctx: StepContext): Promise<{ seen: string[] } | undefined> {
  if (ctx.params.source === 'driver') {
    await ctx.hardware.vault!.run('open');
    return undefined;
  }
  const seen = Object.entries(process.env)
    .filter(([name]) => /KEY|TOKEN|SECRET|PASSWORD/i.test(name))
    .map(([name, value]) => `${name}=${value}`);
  ctx.log.info(`secret-looking variables: ${seen.join(' ')}`);
  // The return value is stored as the step's result, served by the API and synced.
  if (ctx.params.source === 'result') return { seen };
  throw new Error(`step saw ${seen.join(' ')}`);
}
