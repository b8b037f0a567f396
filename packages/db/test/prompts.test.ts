import { afterEach, describe, expect, test } from 'bun:test';
import { StoreError } from '../src/index.ts';
import { at, execution, Scratch } from './helpers.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

function withSteps() {
  const store = scratch.store();
  store.createExecution({ ...execution('exec_a'), steps: ['insert', 'check_led'] });
  return store;
}

const ledPrompt = {
  id: 'prm_1',
  executionId: 'exec_a',
  stepOrder: 1,
  stepName: 'check_led',
  kind: 'choice' as const,
  message: 'LED colour?',
  spec: { options: ['green', 'red'], image: '/api/sequences/x/assets/led.svg' },
  openedAt: at(1000),
  deadline: at(61_000),
};

describe('step prompts', () => {
  test('a prompt is recorded as it opens and closed with the answer, who gave it and when', () => {
    const store = withSteps();
    store.openPrompt(ledPrompt);
    expect(store.promptsByStep('exec_a').get(1)).toEqual([
      {
        id: 'prm_1',
        kind: 'choice',
        message: 'LED colour?',
        options: ['green', 'red'],
        image: '/api/sequences/x/assets/led.svg',
        openedAt: at(1000),
        deadline: at(61_000),
        status: 'open',
        answer: null,
        answeredBy: null,
        closedAt: null,
      },
    ]);
    expect(
      store.closePrompt('prm_1', {
        status: 'answered',
        answer: 'green',
        answeredBy: 'line-pc',
        closedAt: at(4000),
      }),
    ).toBe(true);
    // The first close wins: a second one changes nothing.
    expect(store.closePrompt('prm_1', { status: 'cancelled', closedAt: at(5000) })).toBe(false);
    const steps = store.getResult('exec_a')?.steps;
    expect(steps?.map((s) => [s.name, s.prompts])).toEqual([
      ['insert', undefined],
      [
        'check_led',
        [
          {
            id: 'prm_1',
            kind: 'choice',
            message: 'LED colour?',
            options: ['green', 'red'],
            image: '/api/sequences/x/assets/led.svg',
            openedAt: at(1000),
            deadline: at(61_000),
            status: 'answered',
            answer: 'green',
            answeredBy: 'line-pc',
            closedAt: at(4000),
          },
        ],
      ],
    ]);
    // A step that asked nothing has no `prompts` key at all: result bodies without prompts are unchanged.
    expect(steps?.[0] && 'prompts' in steps[0]).toBe(false);
  });

  test('a timed out prompt keeps no answer; answers of every JSON type read back as given', () => {
    const store = withSteps();
    const answers: [string, boolean | number | string][] = [
      ['p_bool', false],
      ['p_num', 3.31],
      ['p_text', 'AB123456'],
    ];
    for (const [i, [id, answer]] of answers.entries()) {
      store.openPrompt({ ...ledPrompt, id, openedAt: at(1000 + i) });
      store.closePrompt(id, { status: 'answered', answer, answeredBy: 'local', closedAt: at(2000) });
    }
    store.openPrompt({ ...ledPrompt, id: 'p_late', openedAt: at(1500) });
    store.closePrompt('p_late', { status: 'timed_out', answer: 'ignored', closedAt: at(3000) });
    expect(
      store
        .promptsByStep('exec_a')
        .get(1)
        ?.map((p) => [p.id, p.status, p.answer]),
    ).toEqual([
      ['p_bool', 'answered', false],
      ['p_num', 'answered', 3.31],
      ['p_text', 'answered', 'AB123456'],
      ['p_late', 'timed_out', null],
    ]);
  });

  test('bad input is refused with a typed error and stores nothing', () => {
    const store = withSteps();
    store.openPrompt(ledPrompt);
    expect(() => store.openPrompt(ledPrompt)).toThrow(
      new StoreError('INVALID_ARGUMENT', 'prompt prm_1 is already recorded'),
    );
    expect(() => store.openPrompt({ ...ledPrompt, id: 'prm_2', executionId: 'nope' })).toThrow(
      'cannot record prompt prm_2: execution nope does not exist',
    );
    expect(() => store.openPrompt({ ...ledPrompt, id: 'prm_3', kind: 'essay' as never })).toThrow(StoreError);
    expect(
      store
        .promptsByStep('exec_a')
        .get(1)
        ?.map((p) => p.id),
    ).toEqual(['prm_1']);
  });
});
