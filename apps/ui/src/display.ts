// Names as people read them: a sequence package may name its steps, parameters and measurements per
// language (manifest `display`), and word its steps' operator prompts per language (a step's `prompts`);
// the UI shows that name or text in the page's language, else the id or the prompt as the step asked it.
import { language } from './i18n.ts';
import type { DisplayNames, SequenceInfo } from './types.ts';

/** The name of `id` in the page's language, or the id when the package gives none. */
export function displayName(display: DisplayNames | undefined, id: string): string {
  return display?.[language()] ?? id;
}

/** Step and measurement names of one package, looked up by id. */
export interface SequenceNames {
  step(id: string): string;
  measurement(step: string, id: string): string;
  /** The text of a prompt `step` asks with `message`. */
  prompt(step: string, message: string): string;
}

/** The lookups for `manifest` (null: ids as they are). */
export function sequenceNames(manifest: SequenceInfo['manifest'] | undefined): SequenceNames {
  const steps = manifest?.steps ?? [];
  return {
    step: (id) => displayName(steps.find((s) => s.name === id)?.display, id),
    measurement: (step, id) =>
      displayName(steps.find((s) => s.name === step)?.measurements?.find((m) => m.name === id)?.display, id),
    prompt: (step, message) =>
      displayName(
        steps.find((s) => s.name === step)?.prompts?.find((p) => p.message === message)?.display,
        message,
      ),
  };
}
