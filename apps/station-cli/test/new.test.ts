// `station new`: what it makes validates and runs as made; a taken folder or a bad name is refused.
import { expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { station, tempDir } from './station.ts';

test('new -> validate -> run: the scaffold passes as created, and its limits catch a low supply', async () => {
  using tmp = tempDir();
  const made = await station(['new', 'my_board'], tmp.dir);
  expect({ code: made.code, err: made.err }).toEqual({ code: 0, err: '' });
  expect(readdirSync(join(tmp.dir, 'my_board')).sort()).toEqual(['drivers', 'manifest.yaml', 'sequence.ts']);
  expect(readFileSync(join(tmp.dir, 'my_board/manifest.yaml'), 'utf8')).toContain('\nname: my_board\n');

  const checked = await station(['validate', 'my_board'], tmp.dir);
  expect(checked).toEqual({ code: 0, out: 'valid    my_board 0.1.0\n', err: '' });

  const ran = await station(['run', 'my_board'], tmp.dir);
  expect({ code: ran.code, err: ran.err }).toEqual({ code: 0, err: '' });
  expect(ran.out).toMatch(/^ {2}PASS {2}2\/3 measure_rail {2}\d+\.\d\d s$/m);
  expect(ran.out).toMatch(/^ {10}rail_3v3 {2}3\.\d+ V +3\.2 \.\. 3\.4 V +pass$/m);
  expect(ran.out).toMatch(/^PASS {2}my_board 0\.1\.0: 3\/3 steps in /m);

  // The dropout of the simulated regulator: 4 V in is about 2.8 V out, below the 3.2 V limit.
  const low = await station(['run', 'my_board', '--param', 'supply_voltage=4'], tmp.dir);
  expect(low.code).toBe(1);
  expect(low.out).toMatch(/^ {10}rail_3v3 {2}2\.\d+ V +3\.2 \.\. 3\.4 V +FAIL$/m);
  expect(low.out).toMatch(/^ {2}PASS {2}3\/3 power_off/m);
});

test('a folder that exists is refused and left as it was', async () => {
  using tmp = tempDir();
  await station(['new', 'taken'], tmp.dir);
  writeFileSync(join(tmp.dir, 'taken/sequence.ts'), '// mine\n');
  const again = await station(['new', 'taken'], tmp.dir);
  expect(again).toEqual({
    code: 1,
    out: '',
    err: 'station new: taken already exists; choose another name or remove it\n',
  });
  expect(readFileSync(join(tmp.dir, 'taken/sequence.ts'), 'utf8')).toBe('// mine\n');
});

test.each([
  ['bad name', '"bad name" cannot name a package: use 1-64 letters, digits, "_" or "-"'],
  ['..', '".." cannot name a package'],
  ['v1.2', '"v1.2" cannot name a package'],
  ['a/b', 'a does not exist'],
])('%j is refused and nothing is created', async (name, message) => {
  using tmp = tempDir();
  const r = await station(['new', name], tmp.dir);
  expect({ code: r.code, out: r.out }).toEqual({ code: 1, out: '' });
  expect(r.err).toStartWith(`station new: ${message}`);
  expect(readdirSync(tmp.dir)).toEqual([]);
  expect(existsSync(join(tmp.dir, name))).toBe(name === '..');
});
