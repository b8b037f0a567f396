// Operator prompts of `station run`, asked on the terminal: the question (with its choices, pattern or
// bounds) on stdout, the answer read from stdin and given to the run's PromptDesk, which checks it as it
// checks an answer from the UI (a wrong one is explained and asked again).
import { createInterface, type Interface } from 'node:readline';
import { isSequenceError, type OperatorPrompt, type PromptDesk, type SequenceSink } from '@station/sequence';
import { type Io, paint } from './command.ts';

/** What the asker needs besides the desk. */
export interface AskerOptions {
  desk: PromptDesk;
  /** Recorded as who answered (the `--operator`, or `terminal`). */
  answeredBy: string;
  /** Where answers come from (standard input). */
  input: NodeJS.ReadableStream;
  /** Whether that is a terminal, which echoes what is typed. */
  inputIsTerminal: boolean;
  /** Nobody can answer (the input has ended): the run is aborted, saying why. */
  onNoInput(prompt: OperatorPrompt): void;
}

const YES = new Set(['y', 'yes']);
const NO = new Set(['n', 'no']);

/** The line typed, as the answer the prompt's kind takes (the desk judges whether it fits). */
export function readAnswer(prompt: OperatorPrompt, line: string): unknown {
  const text = line.trim();
  switch (prompt.kind) {
    case 'confirm':
      return YES.has(text.toLowerCase()) ? true : NO.has(text.toLowerCase()) ? false : text;
    case 'choice': {
      // By number as listed, or the option itself.
      const n = Number(text);
      return Number.isInteger(n) && n >= 1 && n <= (prompt.options?.length ?? 0)
        ? prompt.options?.[n - 1]
        : text;
    }
    case 'number':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'text':
      return line.replace(/\r$/, '');
  }
}

/** How the question reads on the terminal, with what it takes. */
export function questionOf(p: OperatorPrompt): string {
  switch (p.kind) {
    case 'confirm':
      return `${p.message} [y/n]`;
    case 'choice':
      return `${p.message}\n${(p.options ?? []).map((o, i) => `            ${i + 1}) ${o}`).join('\n')}`;
    case 'number': {
      const range = [
        p.min === undefined ? '' : `>= ${p.min}`,
        p.max === undefined ? '' : `<= ${p.max}`,
      ].filter(Boolean);
      const unit = p.unit ? ` ${p.unit}` : '';
      return `${p.message}${range.length > 0 || unit ? ` [${[...range, unit.trim()].filter(Boolean).join(', ')}]` : ''}`;
    }
    case 'text':
      return p.pattern ? `${p.message} [${p.pattern}]` : p.message;
  }
}

/** The sink that asks each prompt on the terminal; `close()` releases standard input. */
export function terminalAsker(io: Io, opts: AskerOptions): SequenceSink & { close(): void } {
  const c = paint(io.colour);
  // Lines typed (or piped) ahead of their question wait here, so a script can give every answer at once.
  const queued: string[] = [];
  let asking: OperatorPrompt | undefined;
  let lines: Interface | undefined;
  let ended = false;
  const echo = !opts.inputIsTerminal;
  const ask = (p: OperatorPrompt) => io.out(`          ${c.bold('?')} ${questionOf(p)}\n          > `);
  /** Gives the next line to the open prompt; true when it closed it. */
  const offer = (p: OperatorPrompt, line: string): boolean => {
    // A terminal echoes what was typed; piped answers are written out, so the log reads as a dialogue.
    if (echo) io.out(`${line}\n`);
    try {
      opts.desk.answer(p.id, readAnswer(p, line), opts.answeredBy);
      return true;
    } catch (err) {
      // Closed meanwhile (its deadline, an abort): the line answers nothing.
      if (isSequenceError(err, 'PROMPT_CLOSED') || isSequenceError(err, 'NOT_FOUND')) return true;
      if (!isSequenceError(err, 'BAD_REQUEST')) throw err;
      io.out(`          ${c.yellow(String(err.details?.reason ?? err.message))}\n`);
      ask(p);
      return false;
    }
  };
  const pump = () => {
    while (asking && queued.length > 0) {
      const p = asking;
      if (offer(p, queued.shift() ?? '')) asking = undefined;
    }
    if (asking && ended) {
      io.out(`\n          ${c.red('nobody can answer: standard input is closed')}\n`);
      opts.onNoInput(asking);
      asking = undefined;
    }
  };
  // Opened at the first prompt, so a run that asks nothing never touches standard input.
  const open = () => {
    if (lines) return;
    // Not a terminal interface: Ctrl-C stays the process's signal (abort), not readline's.
    lines = createInterface({ input: opts.input, terminal: false });
    lines.on('line', (line) => {
      queued.push(line);
      pump();
    });
    lines.on('close', () => {
      ended = true;
      pump();
    });
  };
  return {
    onPrompt(p) {
      asking = p;
      ask(p);
      open();
      pump();
    },
    onPromptClosed(closed) {
      // Only the prompt still waiting at its "> " says how it ended; one given up on has said so already.
      const waiting = asking?.id === closed.id;
      if (waiting) asking = undefined;
      if (!waiting || closed.status === 'answered') return;
      io.out(
        `\n          ${c.yellow(closed.status === 'timed_out' ? 'no answer in time' : 'prompt cancelled')}\n`,
      );
    },
    close() {
      lines?.removeAllListeners('close');
      lines?.close();
    },
  };
}
