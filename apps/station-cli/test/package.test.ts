// `station package`: a versioned archive of exactly the files the station hashes, the same bytes every
// time, and a version that never changes content.
import { expect, test } from 'bun:test';
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPackage } from '@station/sequence';
import { extract, list } from 'tar';
import { REPO } from '../../../tests/support/station.ts';
import { station, tempDir, withPackages } from './station.ts';

async function entries(archive: string): Promise<string[]> {
  const names: string[] = [];
  await list({ file: archive, onReadEntry: (e) => names.push(e.path) });
  return names;
}

test('an archive of the hashed files, named by version; repackaging is idempotent; a version keeps its content', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'exit_codes');
  const folder = join(tmp.dir, 'exit_codes');
  const hash = hashPackage(folder);
  const archive = join(tmp.dir, 'exit_codes-1.2.3.tgz');

  const made = await station(['package', 'exit_codes'], tmp.dir);
  expect(made).toEqual({
    code: 0,
    out: `packaged exit_codes 1.2.3 -> ${archive}\n  sha256 ${hash}\n`,
    err: '',
  });
  expect(await entries(archive)).toEqual(['exit_codes/manifest.yaml', 'exit_codes/sequence.ts']);
  const bytes = readFileSync(archive);

  // The same content again: nothing rewritten.
  const again = await station(['package', 'exit_codes', '--json'], tmp.dir);
  expect({ code: again.code, body: JSON.parse(again.out) }).toEqual({
    code: 0,
    body: {
      archive,
      name: 'exit_codes',
      version: '1.2.3',
      hash,
      files: ['manifest.yaml', 'sequence.ts'],
      created: false,
    },
  });

  // Other content under the same version: refused, the archive left as it was.
  appendFileSync(join(folder, 'sequence.ts'), '// changed\n');
  const changed = await station(['package', 'exit_codes'], tmp.dir);
  expect({ code: changed.code, out: changed.out }).toEqual({ code: 1, out: '' });
  expect(changed.err).toStartWith(
    `station package: ${archive} already holds exit_codes 1.2.3 with other content (hash ${hash.slice(0, 12)}, this folder `,
  );
  expect(changed.err).toContain('raise the version in manifest.yaml');
  expect(readFileSync(archive).equals(bytes)).toBe(true);

  // A new version is a new archive; unpacked, it is the package the station will hash the same way.
  const manifest = join(folder, 'manifest.yaml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('version: 1.2.3', 'version: 1.2.4'));
  const out = join(tmp.dir, 'dist');
  mkdirSync(out);
  const next = await station(['package', 'exit_codes', '--out', 'dist'], tmp.dir);
  expect(next.code).toBe(0);
  const unpacked = join(tmp.dir, 'unpacked');
  mkdirSync(unpacked);
  await extract({ file: join(out, 'exit_codes-1.2.4.tgz'), cwd: unpacked });
  expect(hashPackage(join(unpacked, 'exit_codes'))).toBe(hashPackage(folder));
  expect((await station(['validate', join(unpacked, 'exit_codes')], tmp.dir)).code).toBe(0);
});

test('the same files make the same bytes, wherever and whenever they are packaged', async () => {
  using a = tempDir();
  using b = tempDir();
  withPackages(a.dir, 'exit_codes');
  withPackages(b.dir, 'exit_codes');
  expect((await station(['package', 'exit_codes'], a.dir)).code).toBe(0);
  expect((await station(['package', 'exit_codes'], b.dir)).code).toBe(0);
  const [x, y] = [a.dir, b.dir].map((d) => readFileSync(join(d, 'exit_codes-1.2.3.tgz')));
  expect(x?.equals(y ?? Buffer.alloc(0))).toBe(true);
});

test('an invalid package is not packaged', async () => {
  using tmp = tempDir();
  withPackages(tmp.dir, 'almost_right');
  const r = await station(['package', 'almost_right'], tmp.dir);
  expect({ code: r.code, out: r.out }).toEqual({ code: 1, out: '' });
  expect(r.err).toEndWith('station package: almost_right is not a valid package (1 problem)\n');
});

test('the operator images travel with the package, and changing one needs a new version too', async () => {
  using tmp = tempDir();
  cpSync(join(REPO, 'sequences/unit_checkout'), join(tmp.dir, 'unit_checkout'), { recursive: true });
  const archive = join(tmp.dir, 'unit_checkout-1.0.0.tgz');
  expect((await station(['package', 'unit_checkout'], tmp.dir)).code).toBe(0);
  expect(await entries(archive)).toEqual([
    'unit_checkout/manifest.yaml',
    'unit_checkout/sequence.ts',
    'unit_checkout/drivers/sim_unit.ts',
    'unit_checkout/assets/fixture.svg',
    'unit_checkout/assets/label.svg',
    'unit_checkout/assets/led.svg',
    'unit_checkout/assets/test-point.svg',
  ]);
  const before = hashPackage(join(tmp.dir, 'unit_checkout'));
  appendFileSync(join(tmp.dir, 'unit_checkout/assets/led.svg'), '<!-- redrawn -->\n');
  // A redrawn picture is other content: the hash results are traced by changes with it.
  const after = hashPackage(join(tmp.dir, 'unit_checkout'));
  expect(after).not.toBe(before);
  const r = await station(['package', 'unit_checkout'], tmp.dir);
  expect(r).toEqual({
    code: 1,
    out: '',
    err: `station package: ${archive} already holds unit_checkout 1.0.0 with other content (hash ${before.slice(0, 12)}, this folder ${after.slice(0, 12)}): raise the version in manifest.yaml\n`,
  });
});
