// Operator prompts: a question a step asks (`operator_prompt`), how it ended (`operator_prompt_closed`),
// and the record of both kept with the step's result.
import { type Static, Type as T } from '@sinclair/typebox';
import { JsonValue } from './json.ts';
import { literalUnion, Nullable } from './schema.ts';

const Opt = T.Optional;

/** The kinds of question a step can ask (`ctx.prompt.<kind>`). */
export const PROMPT_KINDS = ['confirm', 'choice', 'text', 'number'] as const;
export const PromptKind = literalUnion(PROMPT_KINDS);
export type PromptKind = Static<typeof PromptKind>;

/** Lifecycle of a prompt: open until the first valid answer, its deadline or an abort. */
export const PROMPT_STATUSES = ['open', 'answered', 'timed_out', 'cancelled'] as const;
export const PromptStatus = literalUnion(PROMPT_STATUSES);
export type PromptStatus = Static<typeof PromptStatus>;

/** How a prompt ended. */
export const PromptEnd = literalUnion(['answered', 'timed_out', 'cancelled']);
export type PromptEnd = Static<typeof PromptEnd>;

/** An answer: a boolean (confirm), an option (choice), text, or a number. */
export const PromptAnswer = T.Union([T.Boolean(), T.String(), T.Number()]);
export type PromptAnswer = Static<typeof PromptAnswer>;

/** A question a step is asking the operator (`operator_prompt`), open until answered, timed out or cancelled. */
export const OperatorPrompt = T.Object({
  id: T.String(),
  executionId: T.String(),
  step: T.String(),
  kind: PromptKind,
  message: T.String(),
  /** The choices of a `choice` prompt. */
  options: Opt(T.Array(T.String())),
  /** A `text` prompt's regular expression; the whole answer must match. */
  pattern: Opt(T.String()),
  min: Opt(T.Number()),
  max: Opt(T.Number()),
  unit: Opt(T.String()),
  /** URL of a picture from the package's assets, served by the gateway. */
  image: Opt(T.String()),
  /** ISO 8601. */
  openedAt: T.String(),
  /** ISO 8601: when the prompt times out (PROMPT_TIMEOUT). */
  deadline: T.String(),
});
export type OperatorPrompt = Static<typeof OperatorPrompt>;

/** How a prompt ended (`operator_prompt_closed`). */
export const PromptClosed = T.Object({
  id: T.String(),
  executionId: T.String(),
  step: T.String(),
  status: PromptEnd,
  answer: Opt(PromptAnswer),
  /** API key name or token subject of whoever answered, or `local` on a station without auth. */
  answeredBy: Opt(T.String()),
  /** ISO 8601. */
  closedAt: T.String(),
});
export type PromptClosed = Static<typeof PromptClosed>;

/** A question a step asked, with the answer, as a result carries it (SPEC: prompts recorded with the step). */
export const PromptRecord = T.Object({
  id: T.String(),
  kind: PromptKind,
  message: T.String(),
  /** What the answer was checked against, as asked (see OperatorPrompt). */
  options: Opt(JsonValue),
  pattern: Opt(JsonValue),
  min: Opt(JsonValue),
  max: Opt(JsonValue),
  unit: Opt(JsonValue),
  image: Opt(JsonValue),
  openedAt: T.String(),
  deadline: T.String(),
  status: PromptStatus,
  answer: Nullable(JsonValue),
  answeredBy: Nullable(T.String()),
  closedAt: Nullable(T.String()),
});
export type PromptRecord = Static<typeof PromptRecord>;
