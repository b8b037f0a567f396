// The UI's socket boundary: what the gateway sends is checked against @station/model before the reducer
// sees it; a malformed message is refused with a reason a developer can act on.
import { expect, test } from 'bun:test';
import { parseServerMessage } from '../src/messages.ts';

const stepComplete = {
  type: 'step_complete',
  batch_id: 'b1',
  data: {
    step: 'measure',
    duration: 0.4,
    pass: true,
    result: null,
    status: 'completed',
    error: null,
    measurements: [{ name: 'v', value: 5, unit: 'V', low: 4.9, high: 5.1, equals: null, pass: true }],
  },
};

test('a well-formed event and the gateway answers pass, typed', () => {
  expect<unknown>(parseServerMessage(JSON.stringify(stepComplete))).toEqual({
    ok: true,
    message: stepComplete,
  });
  const subscribed = { type: 'subscribed', data: { batch_ids: ['*'] } };
  expect<unknown>(parseServerMessage(JSON.stringify(subscribed))).toEqual({ ok: true, message: subscribed });
});

test('a malformed event is refused with the field that is wrong, never folded into the state', () => {
  const cases: [unknown, string][] = [
    [
      { ...stepComplete, data: { ...stepComplete.data, pass: 'yes' } },
      'step_complete: /data/pass Expected boolean',
    ],
    [
      { ...stepComplete, data: { ...stepComplete.data, step: undefined } },
      'step_complete: /data/step Expected required property',
    ],
    [
      { type: 'step_start', batch_id: 'b1', data: { step: 'a', index: 'one', total: 2 } },
      'step_start: /data/index Expected integer',
    ],
    [{ type: 'teleport', batch_id: 'b1', data: {} }, 'unknown message type "teleport"'],
    [{ data: {} }, 'message has no "type"'],
  ];
  expect(cases.map(([m]) => parseServerMessage(JSON.stringify(m)))).toEqual(
    cases.map(([, reason]) => ({ ok: false, reason })),
  );
  expect(parseServerMessage('{not json')).toEqual({ ok: false, reason: 'not JSON' });
});
