// `ctx.prompt`: turns a step's question into a checked PromptRequest, pauses the step's timeout while the
// operator thinks, and hands the question to whoever asks the operator (the runner's PromptDesk).
import { assetProblem, assetUrl } from './assets.ts';
import { toMilliseconds } from './duration.ts';
import type { PromptAnswer, PromptKind, PromptRequest } from './prompt.ts';
import { requestProblem } from './prompt.ts';
import type { PromptOptions, StepPrompt } from './sdk.ts';

/** Asks the operator: resolves with the answer, rejects with PROMPT_TIMEOUT or the signal's reason. */
export type Asker = (request: PromptRequest, timeoutMs: number, signal: AbortSignal) => Promise<PromptAnswer>;

/** What `ctx.prompt` of one step attempt needs. */
export interface StepPromptEnv {
  executionId: string;
  step: string;
  /** The package's folder and name: images are its `assets/` files, served under its name. */
  pkgDir: string;
  pkgName: string;
  /** The step's timeout, the default of every prompt's. */
  stepTimeoutMs: number;
  /** The signal a prompt is cancelled by; called only when the step asks (made on first use). */
  signal(): AbortSignal;
  /** Undefined when nobody can answer (a run without a prompt desk): asking then fails the step. */
  ask: Asker | undefined;
  /** Stop and restart the step's own timeout around a prompt. */
  pause(): void;
  resume(): void;
}

type Extra = Pick<PromptRequest, 'options' | 'pattern' | 'min' | 'max' | 'unit'>;

/** The `prompt` of a step context. */
export function createStepPrompt(env: StepPromptEnv): StepPrompt {
  async function ask(kind: PromptKind, message: string, opts: PromptOptions = {}, extra: Extra = {}) {
    const what = `ctx.prompt.${kind}`;
    const problem = requestProblem({ kind, message, ...extra });
    if (problem) throw new TypeError(`${what}: ${problem}`);
    const timeoutMs = opts.timeout === undefined ? env.stepTimeoutMs : toMilliseconds(opts.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) {
      throw new TypeError(`${what}: timeout must be milliseconds above 0 or a duration such as '90s'`);
    }
    let image: string | undefined;
    if (opts.image !== undefined) {
      const bad = assetProblem(env.pkgDir, opts.image);
      if (bad) throw new TypeError(`${what}: image ${bad}`);
      image = assetUrl(env.pkgName, opts.image);
    }
    if (!env.ask) throw new TypeError(`${what}: this run has no operator to ask`);
    const request: PromptRequest = {
      kind,
      message,
      ...extra,
      ...(image ? { image } : {}),
      executionId: env.executionId,
      step: env.step,
    };
    env.pause();
    try {
      return await env.ask(request, timeoutMs, env.signal());
    } finally {
      env.resume();
    }
  }
  return {
    confirm: async (message, opts) => (await ask('confirm', message, opts)) as boolean,
    choice: async <C extends string>(message: string, choices: readonly C[], opts?: PromptOptions) =>
      (await ask('choice', message, opts, { options: Array.isArray(choices) ? [...choices] : [] })) as C,
    text: async (message, opts = {}) =>
      (await ask(
        'text',
        message,
        opts,
        opts.pattern === undefined ? {} : { pattern: opts.pattern },
      )) as string,
    number: async (message, opts = {}) => {
      const extra: Extra = {};
      if (opts.min !== undefined) extra.min = opts.min;
      if (opts.max !== undefined) extra.max = opts.max;
      if (opts.unit !== undefined) extra.unit = opts.unit;
      return (await ask('number', message, opts, extra)) as number;
    },
  };
}
