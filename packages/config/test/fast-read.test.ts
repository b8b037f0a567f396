// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text, where ${VAR} is literal.
// The fast read of station.yaml (tree.ts): a file whose digest the supervisor found safe is read by Bun's
// YAML parser, with the same configuration, secrets and errors as the checked reader gives.
import { afterEach, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  EXAMPLE_CONFIG_PATH,
  fastReadDigest,
  parseConfigChecked,
  REDACTED,
  redactConfig,
} from '../src/index.ts';
import { readTree, readTreeFast } from '../src/tree.ts';
import { removeTempStations, tempStation, yaml } from './helpers.ts';

afterEach(removeTempStations);

const STATION = yaml(
  'station: { id: s1, description: "${DESCRIPTION}" }',
  'backend:',
  '  url: https://backend.example.com/',
  '  api_key: ${STATION_BACKEND_API_KEY}',
  'supervisor: { orphan_timeout: 90s }',
  'batches:',
  '  - id: b1',
  '    sequence_package: p',
  '    hardware:',
  '      psu: { driver: sim_psu, password: "${PSU_PASSWORD:-none}" }',
  '    parameters: { voltage: 5.5, label: "a: b", empty: }',
  '  - id: b2',
  '    sequence_package: p',
  '    auto_start: true',
  '    hardware: {}',
);
const ENV = { DESCRIPTION: 'line 3', STATION_BACKEND_API_KEY: 'backend-key' };

test('a plain station.yaml gets a digest, and read with it the configuration is the same', async () => {
  const root = tempStation();
  const file = join(root, 'station.yaml');
  const digest = fastReadDigest(STATION);
  expect(digest).toMatch(/^[0-9a-f]{64}$/);
  // The two readers agree on values and on which came from the environment.
  const slowTree = readTree(STATION, file, ENV);
  const fastTree = readTreeFast(STATION, ENV);
  expect(fastTree?.value).toEqual(slowTree.value);
  const fromEnv = (t: typeof slowTree) =>
    [...t.origins].filter(([, o]) => o.fromEnv).map(([p, o]) => [p, o.fromEnv]);
  expect(fromEnv(fastTree!)).toEqual(fromEnv(slowTree));
  expect(fromEnv(slowTree)).toHaveLength(2);
  const checked = await parseConfigChecked(STATION, file, ENV);
  const fast = await parseConfigChecked(STATION, file, ENV, { fastDigest: digest });
  expect(fast).toEqual(checked);
  expect(fast.backend.api_key).toBe('backend-key');
  // The values that came from the environment are secrets either way.
  expect(redactConfig(fast)).toEqual(redactConfig(checked));
  expect(redactConfig(fast).station.description).toBe(REDACTED);

  // So is the shipped example.
  const example = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
  expect(fastReadDigest(example)).toMatch(/^[0-9a-f]{64}$/);
});

test('a file where the two readers could differ gets no digest', () => {
  const cases = [
    yaml('station: { id: s1 }', 'station: { id: s2 }'), // duplicate key: refused by the checked reader
    yaml('base: &b { sequence_package: p }', 'batches:', '  - <<: *b', '    id: b1'), // merge key
    yaml('? [a, b]', ': x'), // complex key
    yaml('station: { id: s1 }', '---', 'station: { id: s2 }'), // two documents
    yaml('station: [unclosed'), // syntax error
  ];
  for (const text of cases) expect(fastReadDigest(text)).toBeUndefined();
});

test('a digest of other text is ignored; a file with problems still names their lines', async () => {
  const root = tempStation();
  const file = join(root, 'station.yaml');
  const stale = fastReadDigest(STATION);
  const changed = STATION.replace('orphan_timeout: 90s', 'orphan_timeout: 30s');
  expect(
    (await parseConfigChecked(changed, file, ENV, { fastDigest: stale })).supervisor.orphan_timeout,
  ).toBe(30_000);

  const bad = STATION.replace('auto_start: true', 'auto_start: sometimes');
  const errorOf = async (fastDigest?: string) => {
    try {
      await parseConfigChecked(bad, file, ENV, { fastDigest });
    } catch (err) {
      if (err instanceof ConfigError) return err.issues;
      throw err;
    }
    throw new Error('expected a ConfigError');
  };
  const checked = await errorOf();
  expect(checked[0]).toMatchObject({ line: 14, path: 'batches[1].auto_start' });
  expect(await errorOf(fastReadDigest(bad))).toEqual(checked);
});
