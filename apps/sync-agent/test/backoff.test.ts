// The pure decisions: backoff windows, Retry-After parsing, and the answer-to-outcome table of the
// Backend contract.
import { describe, expect, test } from 'bun:test';
import { backoffDelay, MAX_RETRY_AFTER_MS, parseRetryAfter } from '../src/backoff.ts';
import { classify } from '../src/classify.ts';
import type { Delivery } from '../src/client.ts';

const policy = { baseMs: 1_000, capMs: 60_000 };
const NOW = Date.parse('2026-11-29T08:00:00.000Z');

describe('backoffDelay: full jitter over [base, min(cap, base * 2^attempt)]', () => {
  const table: [attempt: number, random: number, expected: number][] = [
    [1, 0, 1_000],
    [1, 1, 2_000],
    [2, 0.5, 2_500],
    [3, 1, 8_000],
    [6, 1, 60_000],
    [6, 0.25, 15_750],
    [50, 1, 60_000],
    [5_000, 0.5, 30_500],
  ];
  for (const [attempt, random, expected] of table) {
    test(`attempt ${attempt}, random ${random} -> ${expected} ms`, () => {
      expect(backoffDelay(attempt, policy, () => random)).toBe(expected);
    });
  }

  test('stays inside the window for any random draw', () => {
    for (let attempt = 1; attempt < 12; attempt++) {
      const hi = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, policy, Math.random);
        expect(d >= policy.baseMs && d <= hi).toBe(true);
      }
    }
  });
});

describe('parseRetryAfter', () => {
  const table: [header: string | null, expected: number | undefined][] = [
    [null, undefined],
    ['', undefined],
    ['0', 0],
    ['7', 7_000],
    [' 120 ', 120_000],
    [new Date(NOW + 30_000).toUTCString(), 30_000],
    [new Date(NOW - 30_000).toUTCString(), 0],
    ['99999999', MAX_RETRY_AFTER_MS],
    ['soon', undefined],
    ['-5', undefined],
  ];
  for (const [header, expected] of table) {
    test(`${JSON.stringify(header)} -> ${expected}`, () => {
      expect(parseRetryAfter(header, NOW)).toBe(expected);
    });
  }
});

describe('classify', () => {
  const answer = (status: number, retryAfter: string | null = null): Delivery => ({
    kind: 'answer',
    status,
    retryAfter,
    excerpt: 'body',
  });
  const retry = (status: number | null, error: string, delayMs = 1_500) => ({
    kind: 'retry',
    delayMs,
    error,
    status,
    unreachable: false,
  });
  const table: [name: string, d: Delivery, expected: unknown][] = [
    ['200', answer(200), { kind: 'synced', status: 200 }],
    ['201', answer(201), { kind: 'synced', status: 201 }],
    ['204', answer(204), { kind: 'synced', status: 204 }],
    ['409', answer(409), { kind: 'synced', status: 409 }],
    ['408', answer(408), retry(408, 'HTTP 408: body')],
    ['429', answer(429), retry(429, 'HTTP 429: body')],
    ['429 + Retry-After', answer(429, '3'), { ...retry(429, 'HTTP 429: body', 3_000), retryAfterMs: 3_000 }],
    ['500', answer(500), retry(500, 'HTTP 500: body')],
    ['503 + bad Retry-After', answer(503, 'later'), retry(503, 'HTTP 503: body')],
    ['599', answer(599), retry(599, 'HTTP 599: body')],
    ['400', answer(400), { kind: 'rejected', status: 400, error: 'HTTP 400: body' }],
    ['401', answer(401), { kind: 'rejected', status: 401, error: 'HTTP 401: body' }],
    ['404', answer(404), { kind: 'rejected', status: 404, error: 'HTTP 404: body' }],
    ['413', answer(413), { kind: 'rejected', status: 413, error: 'HTTP 413: body' }],
    ['422', answer(422), { kind: 'rejected', status: 422, error: 'HTTP 422: body' }],
    [
      '302 (no redirects in the contract)',
      answer(302),
      { kind: 'rejected', status: 302, error: 'HTTP 302: body' },
    ],
    [
      'timeout',
      { kind: 'timeout', timeoutMs: 10_000 },
      { ...retry(null, 'timeout after 10000 ms'), unreachable: true },
    ],
    [
      'network',
      { kind: 'network', message: 'Unable to connect' },
      { ...retry(null, 'network error: Unable to connect'), unreachable: true },
    ],
    ['aborted by shutdown', { kind: 'aborted' }, { kind: 'aborted' }],
  ];
  for (const [name, d, expected] of table) {
    test(name, () => {
      expect(classify(d, 1, policy, NOW, () => 0.5)).toEqual(expected as ReturnType<typeof classify>);
    });
  }
});
