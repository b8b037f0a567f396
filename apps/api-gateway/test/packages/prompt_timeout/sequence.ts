// A step that asks and gets no answer: the run fails at `ask` with PROMPT_TIMEOUT.
import type { StepContext } from '@station/sequence';

export async function ask(ctx: StepContext): Promise<boolean> {
  return ctx.prompt.confirm('Anyone there?');
}

export async function after(): Promise<void> {}
