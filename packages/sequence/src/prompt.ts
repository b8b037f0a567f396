// Operator prompts: what a step asks (checked when asked), what an answer must be (checked when answered),
// and the desk that holds the open prompts of a runner until the first valid answer, the deadline or an
// abort closes each.
import type { OperatorPrompt, PromptAnswer, PromptClosed, PromptEnd, PromptKind } from '@station/model';
import type { Clock } from '@station/time';
import { SequenceError } from './errors.ts';

export type { OperatorPrompt, PromptAnswer, PromptClosed, PromptEnd, PromptKind };

/** What a step asks, before the desk gives it an id and a deadline. */
export type PromptRequest = Omit<OperatorPrompt, 'id' | 'openedAt' | 'deadline'>;

/** Longest text answer kept. */
export const MAX_TEXT_ANSWER = 1000;
const MAX_MESSAGE = 2000;

/** The RegExp of a text prompt's pattern: the whole answer must match. */
function fullMatch(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

/**
 * Why `request` cannot be asked (a step's mistake, reported as its failure), or undefined.
 * The image is checked separately, against the package's files.
 */
export function requestProblem(r: Omit<PromptRequest, 'executionId' | 'step'>): string | undefined {
  if (typeof r.message !== 'string' || r.message.trim() === '')
    return 'the message must be a non-empty string';
  if (r.message.length > MAX_MESSAGE) return `the message is longer than ${MAX_MESSAGE} characters`;
  if (r.kind === 'choice') {
    const opts = r.options;
    if (!Array.isArray(opts) || opts.length === 0) return 'a choice needs a non-empty list of options';
    if (!opts.every((o) => typeof o === 'string' && o.trim() !== ''))
      return 'every option must be a non-empty string';
    if (new Set(opts).size !== opts.length) return 'the options must differ from each other';
  }
  if (r.kind === 'text' && r.pattern !== undefined) {
    if (typeof r.pattern !== 'string') return 'pattern must be a string (a regular expression)';
    try {
      fullMatch(r.pattern);
    } catch (err) {
      return `pattern ${JSON.stringify(r.pattern)} is not a regular expression: ${(err as Error).message}`;
    }
  }
  if (r.kind === 'number') {
    for (const k of ['min', 'max'] as const) {
      const v = r[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
        return `${k} must be a finite number`;
    }
    if (r.min !== undefined && r.max !== undefined && r.min > r.max)
      return `min ${r.min} is above max ${r.max}`;
  }
  return undefined;
}

/**
 * Why `answer` does not answer `prompt`, in words an operator can act on, or undefined when it does.
 * @example answerProblem({ kind: 'number', min: 0, max: 5, ... }, 7) // 'must be at most 5'
 */
export function answerProblem(prompt: PromptRequest, answer: unknown): string | undefined {
  switch (prompt.kind) {
    case 'confirm':
      return typeof answer === 'boolean' ? undefined : 'expected true (yes) or false (no)';
    case 'choice':
      if (typeof answer !== 'string') return 'expected one of the options as a string';
      return prompt.options?.includes(answer)
        ? undefined
        : `${JSON.stringify(answer)} is not one of ${prompt.options?.map((o) => JSON.stringify(o)).join(', ')}`;
    case 'text':
      if (typeof answer !== 'string') return 'expected text';
      if (answer.length > MAX_TEXT_ANSWER) return `longer than ${MAX_TEXT_ANSWER} characters`;
      if (prompt.pattern !== undefined && !fullMatch(prompt.pattern).test(answer)) {
        return `${JSON.stringify(answer)} does not match ${prompt.pattern}`;
      }
      return undefined;
    case 'number':
      if (typeof answer !== 'number' || !Number.isFinite(answer)) return 'expected a number';
      if (prompt.min !== undefined && answer < prompt.min) return `must be at least ${prompt.min}`;
      if (prompt.max !== undefined && answer > prompt.max) return `must be at most ${prompt.max}`;
      return undefined;
  }
}

/** Where the desk reports a prompt opening and closing (the run's sink). */
export interface PromptListener {
  opened(prompt: OperatorPrompt): void;
  closed(closed: PromptClosed, prompt: OperatorPrompt): void;
}

interface Waiting {
  prompt: OperatorPrompt;
  close(end: PromptClosed): void;
}

/** Ids of closed prompts remembered, so a late answer is told "closed" (409) rather than "unknown" (404). */
const REMEMBER_CLOSED = 500;

/**
 * The open prompts of one runner. A step's `ask` waits until the first valid `answer`, the deadline
 * (PROMPT_TIMEOUT) or its signal (ABORTED); every later answer is refused with PROMPT_CLOSED.
 */
export class PromptDesk {
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #open = new Map<string, Waiting>();
  readonly #closed = new Map<string, PromptEnd>();

  constructor(opts: { clock?: Clock; newId?: () => string } = {}) {
    this.#clock = opts.clock ?? Date;
    this.#newId = opts.newId ?? (() => `prm_${crypto.randomUUID().replaceAll('-', '')}`);
  }

  /** The prompts waiting for an answer, oldest first. */
  get open(): OperatorPrompt[] {
    return [...this.#open.values()].map((w) => w.prompt);
  }

  /** Opens a prompt and waits for its answer; rejects with PROMPT_TIMEOUT after `timeoutMs`, or the signal's reason. */
  ask(
    request: PromptRequest,
    opts: { timeoutMs: number; signal: AbortSignal; listener?: PromptListener },
  ): Promise<PromptAnswer> {
    const { signal, listener, timeoutMs } = opts;
    if (signal.aborted) return Promise.reject(signal.reason);
    const openedMs = this.#clock.now();
    const prompt: OperatorPrompt = {
      id: this.#newId(),
      ...request,
      openedAt: new Date(openedMs).toISOString(),
      deadline: new Date(openedMs + timeoutMs).toISOString(),
    };
    const { promise, resolve, reject } = Promise.withResolvers<PromptAnswer>();
    const finish = (end: PromptClosed, error?: unknown) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      this.#open.delete(prompt.id);
      this.#closed.set(prompt.id, end.status);
      if (this.#closed.size > REMEMBER_CLOSED) this.#closed.delete(this.#closed.keys().next().value!);
      listener?.closed(end, prompt);
      if (error === undefined) resolve(end.answer!);
      else reject(error);
    };
    const ended = (status: PromptEnd): PromptClosed => ({
      id: prompt.id,
      executionId: prompt.executionId,
      step: prompt.step,
      status,
      closedAt: new Date(this.#clock.now()).toISOString(),
    });
    const onAbort = () => finish(ended('cancelled'), signal.reason);
    const timer = setTimeout(() => {
      const within = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 100) / 10} s`;
      finish(
        ended('timed_out'),
        new SequenceError('PROMPT_TIMEOUT', `nobody answered "${prompt.message}" within ${within}`, {
          details: { promptId: prompt.id },
        }),
      );
    }, timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    this.#open.set(prompt.id, {
      prompt,
      close: (end) => finish(end),
    });
    listener?.opened(prompt);
    return promise;
  }

  /**
   * Answers prompt `id` on behalf of `answeredBy`. Throws NOT_FOUND for an id this desk never opened,
   * PROMPT_CLOSED for one already answered, timed out or cancelled, BAD_REQUEST (with the reason) for an
   * answer the prompt does not accept; the prompt then stays open.
   */
  answer(id: string, answer: unknown, answeredBy: string): PromptClosed {
    const waiting = this.#open.get(id);
    if (!waiting) {
      const end = this.#closed.get(id);
      if (end) {
        throw new SequenceError('PROMPT_CLOSED', `prompt ${id} is closed (${end.replace('_', ' ')})`, {
          details: { promptId: id, status: end },
        });
      }
      throw new SequenceError('NOT_FOUND', `no prompt ${id}`, { details: { promptId: id } });
    }
    const reason = answerProblem(waiting.prompt, answer);
    if (reason !== undefined) {
      throw new SequenceError('BAD_REQUEST', `answer to prompt ${id}: ${reason}`, {
        details: { promptId: id, reason, errors: [{ path: '/answer', message: reason }] },
      });
    }
    const closed: PromptClosed = {
      id,
      executionId: waiting.prompt.executionId,
      step: waiting.prompt.step,
      status: 'answered',
      answer: answer as PromptAnswer,
      answeredBy,
      closedAt: new Date(this.#clock.now()).toISOString(),
    };
    waiting.close(closed);
    return closed;
  }
}
