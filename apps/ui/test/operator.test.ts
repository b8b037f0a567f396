// Who is testing: the operator id the start form sends, from a token's subject or what the operator
// scanned or typed, checked before it is sent.
import { describe, expect, test } from 'bun:test';
import { checkOperator, initialOperator, tokenSubject } from '../src/operator.ts';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (payload: object) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.c2lnbmF0dXJl`;

describe('tokenSubject', () => {
  test.each([
    ['a token', jwt({ sub: 'alice', role: 'operator' }), 'alice'],
    ['a token with a non-ASCII name', jwt({ sub: 'José Müller' }), 'José Müller'],
    ['a token without sub', jwt({ role: 'operator' }), null],
    ['an API key', 'k-line-pc-1234', null],
    ['three dots of garbage', 'a.b!.c', null],
    ['no credential', null, null],
  ])('%s', (_what, credential, expected) => {
    expect(tokenSubject(credential)).toBe(expected);
  });
});

describe('initialOperator', () => {
  test('a signed-in token decides, whatever was remembered', () => {
    expect(initialOperator(jwt({ sub: 'alice' }), 'badge-7')).toEqual({ id: 'alice', fromToken: true });
  });
  test('with a key, the id remembered this session, or nothing yet', () => {
    expect(initialOperator('k-key', 'badge-7')).toEqual({ id: 'badge-7', fromToken: false });
    expect(initialOperator(null, null)).toEqual({ id: '', fromToken: false });
  });
});

describe('checkOperator', () => {
  test.each([
    ['', 'scan your badge or type your operator id'],
    ['   ', 'scan your badge or type your operator id'],
    ['x'.repeat(65), 'at most 64 characters'],
    ['badge-0042', null],
  ])('%p -> %p', (id, expected) => {
    expect(checkOperator(id)).toBe(expected);
  });
});
