import { afterAll, describe, expect, test } from 'bun:test';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCodeOf } from '@station/model';
import { assetProblem } from '../src/assets.ts';
import { runSequence } from '../src/engine.ts';
import { isSequenceError, SequenceError } from '../src/errors.ts';
import { loadPackage } from '../src/loader.ts';
import { type OperatorPrompt, type PromptClosed, PromptDesk } from '../src/prompt.ts';
import type { SequenceSink } from '../src/results.ts';
import { type FakeStep, fakePackage, manifestText, tempSequencesDir, writePackage } from './helpers.ts';

const root = tempSequencesDir();
afterAll(() => root.remove());
// A package folder with one image and a file outside its assets, for image paths.
const pkgDir = writePackage(root.dir, 'fake', {
  'assets/led.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'assets/sub/x.png': 'png',
  'secret.txt': 'not an asset',
});

/** Runs `steps` with a desk; `onOpen` answers (or not) each prompt as it opens. */
function runWithDesk(
  steps: FakeStep[],
  onOpen: (p: OperatorPrompt, desk: PromptDesk) => void = () => undefined,
  signal?: AbortSignal,
) {
  let n = 0;
  const desk = new PromptDesk({ newId: () => `prm_${++n}` });
  const opened: OperatorPrompt[] = [];
  const closed: PromptClosed[] = [];
  const sink: SequenceSink = {
    onPrompt: (p) => {
      opened.push(p);
      // Answered outside the sink call, as an HTTP request would be.
      queueMicrotask(() => onOpen(p, desk));
    },
    onPromptClosed: (c) => void closed.push(c),
  };
  const pkg = { ...fakePackage(steps), dir: pkgDir };
  const outcome = runSequence({
    pkg,
    params: {},
    drivers: {},
    executionId: 'exec_1',
    batchId: 'batch_1',
    sink,
    graceMs: 100,
    prompts: desk,
    ...(signal ? { signal } : {}),
  });
  return { desk, opened, closed, outcome };
}

describe('ctx.prompt', () => {
  test('each kind resolves with the answer; the prompt and its close are reported with who answered', async () => {
    const answers: Record<string, unknown> = {
      confirm: true,
      choice: 'green',
      text: 'SN123456',
      number: 4.98,
    };
    const { opened, closed, outcome } = runWithDesk(
      [
        { name: 'c', fn: (ctx) => ctx.prompt.confirm('Unit inserted?') },
        {
          name: 'ch',
          fn: (ctx) => ctx.prompt.choice('LED colour?', ['red', 'green'], { image: 'assets/led.svg' }),
        },
        { name: 't', fn: (ctx) => ctx.prompt.text('Label serial', { pattern: 'SN[0-9]{6}' }) },
        {
          name: 'n',
          fn: (ctx) => ctx.prompt.number('Reading', { min: 0, max: 10, unit: 'V', timeout: '30s' }),
        },
      ],
      (p, desk) => desk.answer(p.id, answers[p.kind], 'alice'),
    );
    const o = await outcome;
    expect(o.status).toBe('completed');
    expect(o.steps.map((s) => s.result)).toEqual([true, 'green', 'SN123456', 4.98]);
    expect(opened.map(({ openedAt: _o, deadline: _d, ...p }) => p)).toEqual([
      { id: 'prm_1', kind: 'confirm', message: 'Unit inserted?', executionId: 'exec_1', step: 'c' },
      {
        id: 'prm_2',
        kind: 'choice',
        message: 'LED colour?',
        options: ['red', 'green'],
        image: '/api/sequences/fake/assets/led.svg',
        executionId: 'exec_1',
        step: 'ch',
      },
      {
        id: 'prm_3',
        kind: 'text',
        message: 'Label serial',
        pattern: 'SN[0-9]{6}',
        executionId: 'exec_1',
        step: 't',
      },
      {
        id: 'prm_4',
        kind: 'number',
        message: 'Reading',
        min: 0,
        max: 10,
        unit: 'V',
        executionId: 'exec_1',
        step: 'n',
      },
    ]);
    // The deadline is the prompt's timeout after it opened: the step's 5 s by default, 30 s when given.
    const span = (p: OperatorPrompt) => Date.parse(p.deadline) - Date.parse(p.openedAt);
    expect(opened.map(span)).toEqual([5000, 5000, 5000, 30_000]);
    expect(closed.map(({ closedAt: _c, ...c }) => c)).toEqual(
      ['c', 'ch', 't', 'n'].map((step, i) => ({
        id: `prm_${i + 1}`,
        executionId: 'exec_1',
        step,
        status: 'answered' as const,
        answer: Object.values(answers)[i] as never,
        answeredBy: 'alice',
      })),
    );
  });

  test('a wrong answer is refused with its reason and leaves the prompt open; the first valid one wins', async () => {
    const refused: string[] = [];
    const later: string[] = [];
    const { outcome, desk } = runWithDesk(
      [
        {
          name: 'n',
          fn: (ctx) => ctx.prompt.number('Reading', { min: 0, max: 10 }),
        },
      ],
      (p, d) => {
        for (const bad of ['4', 11, -1, Number.NaN, null]) {
          try {
            d.answer(p.id, bad, 'bob');
          } catch (err) {
            if (!isSequenceError(err, 'BAD_REQUEST')) throw err;
            refused.push(String(err.details?.reason));
          }
        }
        d.answer(p.id, 7, 'bob');
        try {
          d.answer(p.id, 8, 'carol');
        } catch (err) {
          if (!isSequenceError(err)) throw err;
          later.push(`${err.code}: ${err.message}`);
        }
      },
    );
    const o = await outcome;
    expect(o.steps[0]?.result).toBe(7);
    expect(refused).toEqual([
      'expected a number',
      'must be at most 10',
      'must be at least 0',
      'expected a number',
      'expected a number',
    ]);
    expect(later).toEqual(['PROMPT_CLOSED: prompt prm_1 is closed (answered)']);
    expect(() => desk.answer('prm_99', true, 'x')).toThrow('no prompt prm_99');
  });

  test('answers are checked per kind', () => {
    const desk = new PromptDesk({ newId: () => 'p' });
    const reasons = (kind: 'confirm' | 'choice' | 'text', extra: object, values: unknown[]) =>
      values.map((v) => {
        const ctrl = new AbortController();
        const waiting = desk.ask(
          { kind, message: 'q', executionId: 'e', step: 's', ...extra },
          { timeoutMs: 10_000, signal: ctrl.signal },
        );
        waiting.catch(() => undefined);
        try {
          desk.answer('p', v, 'x');
          return 'ok';
        } catch (err) {
          return (err as SequenceError).details?.reason;
        } finally {
          ctrl.abort(new SequenceError('ABORTED', 'done'));
        }
      });
    expect(reasons('confirm', {}, [true, 'yes', 1])).toEqual([
      'ok',
      'expected true (yes) or false (no)',
      'expected true (yes) or false (no)',
    ]);
    expect(reasons('choice', { options: ['a', 'b'] }, ['b', 'c', 1])).toEqual([
      'ok',
      '"c" is not one of "a", "b"',
      'expected one of the options as a string',
    ]);
    expect(reasons('text', { pattern: 'SN[0-9]+' }, ['SN1', 'xSN1', 'SN', 5, 'x'.repeat(1001)])).toEqual([
      'ok',
      '"xSN1" does not match SN[0-9]+',
      '"SN" does not match SN[0-9]+',
      'expected text',
      'longer than 1000 characters',
    ]);
  });

  test('a prompt nobody answers fails the step with PROMPT_TIMEOUT; a late answer is told it is closed', async () => {
    const { outcome, closed, desk, opened } = runWithDesk([
      { name: 'wait', fn: (ctx) => ctx.prompt.confirm('Anyone?', { timeout: 30 }) },
    ]);
    const o = await outcome;
    expect(o.status).toBe('failed');
    expect(o.steps[0]?.error).toBe('PROMPT_TIMEOUT: nobody answered "Anyone?" within 30 ms');
    expect(closed.map((c) => c.status)).toEqual(['timed_out']);
    expect(() => desk.answer(opened[0]!.id, true, 'late')).toThrow('prompt prm_1 is closed (timed out)');
  });

  test("the step's own timeout does not run while the operator is asked", async () => {
    const { outcome } = runWithDesk(
      [
        {
          name: 'slow_human',
          timeoutMs: 50,
          fn: async (ctx) => ctx.prompt.confirm('Take your time', { timeout: 10_000 }),
        },
      ],
      (p, desk) => setTimeout(() => desk.answer(p.id, true, 'slow'), 200),
    );
    const o = await outcome;
    expect(o.steps[0]).toMatchObject({ status: 'completed', result: true });
  });

  test('an abort cancels the open prompt and stops the run', async () => {
    const ctrl = new AbortController();
    const { outcome, closed, desk } = runWithDesk(
      [
        { name: 'ask', fn: (ctx) => ctx.prompt.text('Serial?') },
        { name: 'after', fn: () => 'never' },
      ],
      () => ctrl.abort(new SequenceError('ABORTED', 'operator pressed abort')),
      ctrl.signal,
    );
    const o = await outcome;
    expect(o.status).toBe('stopped');
    expect(o.steps.map((s) => [s.name, s.status, errorCodeOf(s.error)])).toEqual([
      ['ask', 'failed', 'ABORTED'],
      ['after', 'skipped', undefined],
    ]);
    expect(closed.map((c) => c.status)).toEqual(['cancelled']);
    expect(desk.open).toEqual([]);
  });

  test('a prompt the step did not wait for is cancelled when the step ends', async () => {
    const { outcome, closed, desk } = runWithDesk([
      {
        name: 'forgot',
        fn: (ctx) => {
          ctx.prompt.confirm('left behind').catch(() => undefined);
        },
      },
    ]);
    expect((await outcome).status).toBe('completed');
    expect(closed.map((c) => c.status)).toEqual(['cancelled']);
    expect(desk.open).toEqual([]);
  });

  test('a malformed question fails its step with what was wrong', async () => {
    const steps: FakeStep[] = [
      { name: 'no_options', fn: (ctx) => ctx.prompt.choice('pick', []) },
      { name: 'empty', fn: (ctx) => ctx.prompt.confirm('  ') },
      { name: 'bad_pattern', fn: (ctx) => ctx.prompt.text('x', { pattern: '([' }) },
      { name: 'bounds', fn: (ctx) => ctx.prompt.number('x', { min: 5, max: 1 }) },
      { name: 'timeout', fn: (ctx) => ctx.prompt.confirm('x', { timeout: 'soon' }) },
      { name: 'no_image', fn: (ctx) => ctx.prompt.confirm('x', { image: 'assets/nope.png' }) },
      { name: 'escape', fn: (ctx) => ctx.prompt.confirm('x', { image: 'assets/../secret.txt' }) },
    ];
    // Stop-on-failure: each runs on its own to see every message.
    const messages: string[] = [];
    const opened: OperatorPrompt[] = [];
    for (const s of steps) {
      const run = runWithDesk([s]);
      const o = await run.outcome;
      opened.push(...run.opened);
      expect(errorCodeOf(o.steps[0]?.error)).toBe('STEP_FAILED');
      messages.push(o.steps[0]?.error?.replace('STEP_FAILED: ', '') ?? 'passed');
    }
    expect(messages).toEqual([
      'ctx.prompt.choice: a choice needs a non-empty list of options',
      'ctx.prompt.confirm: the message must be a non-empty string',
      expect.stringContaining('ctx.prompt.text: pattern "([" is not a regular expression'),
      'ctx.prompt.number: min 5 is above max 1',
      "ctx.prompt.confirm: timeout must be milliseconds above 0 or a duration such as '90s'",
      'ctx.prompt.confirm: image assets/nope.png does not exist in the package',
      'ctx.prompt.confirm: image "assets/../secret.txt" is not a plain relative path (no empty, . or .. parts)',
    ]);
    expect(opened).toEqual([]);
  });

  test('without a desk a prompt fails the step rather than hang', async () => {
    const o = await runSequence({
      pkg: fakePackage([{ name: 'ask', fn: (ctx) => ctx.prompt.confirm('ok?') }]),
      params: {},
      drivers: {},
      executionId: 'e',
      batchId: 'b',
    });
    expect(o.steps[0]?.error).toBe('STEP_FAILED: ctx.prompt.confirm: this run has no operator to ask');
  });
});

describe('package assets', () => {
  test('asset paths must stay inside the package assets folder', () => {
    const outside = join(root.dir, 'outside.png');
    writeFileSync(outside, 'x');
    mkdirSync(join(pkgDir, 'assets', 'links'), { recursive: true });
    symlinkSync(outside, join(pkgDir, 'assets', 'links', 'out.png'));
    const table: [string, string | undefined][] = [
      ['assets/led.svg', undefined],
      ['assets/sub/x.png', undefined],
      ['assets/nope.svg', 'assets/nope.svg does not exist in the package'],
      ['secret.txt', '"secret.txt" is not under assets/'],
      ['/etc/passwd', '"/etc/passwd" is not under assets/'],
      [
        'assets/../secret.txt',
        '"assets/../secret.txt" is not a plain relative path (no empty, . or .. parts)',
      ],
      ['assets//led.svg', '"assets//led.svg" is not a plain relative path (no empty, . or .. parts)'],
      ['assets\\..\\secret.txt', '"assets\\\\..\\\\secret.txt" is not a plain relative path'],
      ['assets/sub', 'assets/sub is not a file'],
      ['assets/links/out.png', "assets/links/out.png resolves outside the package's assets/"],
      ['', 'expected a path such as assets/led.svg'],
    ];
    expect(table.map(([p]) => [p, assetProblem(pkgDir, p)])).toEqual(table);
  });

  test('loading reports every assets/ literal of sequence.ts that names no file', async () => {
    const dir = writePackage(root.dir, 'imgs', {
      'manifest.yaml': manifestText('imgs'),
      'assets/ok.svg': '<svg/>',
      'sequence.ts':
        "export async function a(ctx: any) { await ctx.prompt.confirm('x', { image: 'assets/ok.svg' }); }\n" +
        'export async function b(ctx: any) { await ctx.prompt.confirm(\'y\', { image: "assets/gone.png" }); }\n',
    });
    const result = await loadPackage(dir, { sequencesDir: root.dir });
    expect(result.problems).toEqual([
      {
        code: 'MISSING_ASSET',
        file: 'sequence.ts',
        line: 2,
        column: 76,
        message: 'assets/gone.png does not exist in the package',
      },
    ]);
  });
});
