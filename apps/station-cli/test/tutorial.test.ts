// The five-minute tutorial at the start of docs/sequence-format.md, run as written: each `npx station`
// command of its sh blocks, in order, in a fresh folder, printing what the text block after it shows
// (execution ids, hashes and measured numbers aside) and exiting as the tutorial says.
import { expect, test } from 'bun:test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../../../tests/support/station.ts';
import { station, tempDir } from './station.ts';

const DOC = readFileSync(join(REPO, 'docs/sequence-format.md'), 'utf8');
const SECTION = DOC.slice(DOC.indexOf('## Five minutes'), DOC.indexOf('## The package format'));

/** Each command of the tutorial with the output shown after it. */
const STEPS = [...SECTION.matchAll(/```sh\n([^\n]*)\n```\n\n```text\n([\s\S]*?)```/g)].map((m) => ({
  command: m[1] ?? '',
  shown: m[2] ?? '',
}));

/** What differs from run to run: execution ids, package hashes, readings and durations (and their widths). */
function normalise(text: string): string {
  return text
    .replace(/exec_[0-9a-f]+/g, 'exec_ID')
    .replace(/package [0-9a-f]{12}/g, 'package HASH')
    .replace(/\d+\.\d+/g, 'N')
    .replace(/ {2,}/g, '  ');
}

test('the tutorial has the five commands it describes, each with its output', () => {
  expect(STEPS.map((s) => s.command)).toEqual([
    'npx station new sequences/my_board',
    'npx station validate sequences/my_board',
    'npx station run sequences/my_board',
    'npx station run sequences/my_board --param supply_voltage=4',
    'npx station validate sequences/my_board',
  ]);
});

test('every command of the tutorial prints what it shows and exits as it says', async () => {
  using tmp = tempDir();
  mkdirSync(join(tmp.dir, 'sequences'));
  const exits = [0, 0, 0, 1, 1];
  for (const [i, step] of STEPS.entries()) {
    if (i === 4) {
      // Step 5's edit, as the tutorial asks: rename the function measure_rail to measure_rails.
      const file = join(tmp.dir, 'sequences/my_board/sequence.ts');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('function measure_rail(', 'function measure_rails('),
      );
    }
    const args = step.command.replace(/^npx station /, '').split(' ');
    const r = await station(args, tmp.dir);
    expect({ command: step.command, code: r.code, err: r.err, out: normalise(r.out) }).toEqual({
      command: step.command,
      code: exits[i] ?? 0,
      err: '',
      out: normalise(step.shown),
    });
  }
});
