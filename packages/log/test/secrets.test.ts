// The process's held secrets: scrubbed from every log line wherever they sit, and from free text and JSON
// values on their way out (redactText, redactJson).
import { expect, test } from 'bun:test';
import { Writable } from 'node:stream';
import { createLogger, holdSecrets, redactJson, redactText } from '../src/index.ts';

const SECRET = 's3cr3t-"quoted"-value';
holdSecrets([SECRET, 'ab', undefined]);

test('a held secret never reaches a log line: message, error, nested field, JSON-escaped form', () => {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const log = createLogger({ service: 't', stdout: stream, pretty: false });
  log.error({ err: new Error(`refused ${SECRET}`), deep: { a: { b: [SECRET] } } }, `saw ${SECRET}`);
  const text = chunks.join('');
  expect(text).not.toContain('s3cr3t');
  expect(JSON.parse(text)).toMatchObject({ msg: 'saw [redacted]', deep: { a: { b: ['[redacted]'] } } });
});

test('redactText and redactJson replace held secrets; values too short to be secrets are left alone', () => {
  expect(redactText(`key ${SECRET}, tab`)).toBe('key [redacted], tab');
  expect(redactJson({ message: `x ${SECRET}`, n: 1 })).toEqual({ message: 'x [redacted]', n: 1 });
  const clean = { message: 'nothing here' };
  expect(redactJson(clean)).toBe(clean);
});
