import { describe, expect, test } from 'bun:test';
import { readLines } from '../src/lines.ts';

/** A stream that hands out `chunks` one by one, then ends or breaks. */
function streamOf(chunks: string[], end: 'close' | 'error' = 'close'): ReadableStream<Uint8Array> {
  const bytes = chunks.map((c) => new TextEncoder().encode(c));
  return new ReadableStream({
    pull(controller) {
      const next = bytes.shift();
      if (next) controller.enqueue(next);
      else if (end === 'close') controller.close();
      else controller.error(new Error('pipe broke'));
    },
  });
}

async function linesOf(stream: ReadableStream<Uint8Array>, skipBlank?: boolean): Promise<string[]> {
  const lines: string[] = [];
  await readLines(stream, (line) => lines.push(line), { skipBlank });
  return lines;
}

describe('readLines', () => {
  test('lines split across chunks, a multi-byte character split too, and an unterminated tail', async () => {
    const euro = new TextEncoder().encode('€');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('one\ntw'));
        controller.enqueue(new TextEncoder().encode('o\n5 '));
        controller.enqueue(euro.slice(0, 1));
        controller.enqueue(euro.slice(1));
        controller.enqueue(new TextEncoder().encode('\nlast'));
        controller.close();
      },
    });
    expect(await linesOf(stream)).toEqual(['one', 'two', '5 €', 'last']);
  });

  test('blank lines are kept unless skipBlank; an empty tail is never a line', async () => {
    expect(await linesOf(streamOf(['a\n\n  \nb\n']))).toEqual(['a', '', '  ', 'b']);
    expect(await linesOf(streamOf(['a\n\n  \nb\n  ']), true)).toEqual(['a', 'b']);
  });

  test('a stream that breaks ends the reading quietly, keeping what was read', async () => {
    expect(await linesOf(streamOf(['first\nsecond\npart'], 'error'))).toEqual(['first', 'second', 'part']);
  });
});
