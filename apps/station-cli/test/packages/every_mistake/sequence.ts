// Exports a function the manifest does not list, imports a module at run time, shows a missing image.
import { readFileSync } from 'node:fs';
import type { StepContext } from '@station/sequence';

export async function measure(ctx: StepContext): Promise<void> {
  await ctx.prompt.confirm('Is the LED on?', { image: 'assets/led.svg' });
}

export function helper(): string {
  return readFileSync('/dev/null', 'utf8');
}
