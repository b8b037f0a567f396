// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text, where ${VAR} is literal.
// The shipped config/station.yaml.example: it loads as is, matches what the README promises, and
// documents every key the schema knows.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { EXAMPLE_CONFIG_PATH, parseConfig, StationConfigSchema } from '../src/index.ts';

const text = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
const repoRoot = dirname(dirname(EXAMPLE_CONFIG_PATH));

/** Every key of the schema as `section.key` (batches' keys as `batches.key`). */
function schemaKeys(schema: TSchema, prefix = ''): string[] {
  const s = schema as { properties?: Record<string, TSchema>; items?: TSchema; anyOf?: TSchema[] };
  if (s.items) return schemaKeys(s.items, prefix);
  if (!s.properties) return [];
  return Object.entries(s.properties).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...schemaKeys(child, path)];
  });
}

describe('config/station.yaml.example', () => {
  test('loads without error, with no environment at all', () => {
    const config = parseConfig(text, EXAMPLE_CONFIG_PATH, {});
    expect(config.station).toEqual({
      id: 'station-01',
      name: 'Demo Station 01',
      description: 'Demo station with four simulated test slots',
    });
    expect([config.server.host, config.server.port, config.server.auth.enabled]).toEqual([
      '127.0.0.1',
      8080,
      false,
    ]);
    expect('url' in config.backend).toBe(false);
    expect(config.paths).toEqual({
      data_dir: join(repoRoot, 'data'),
      sequences_dir: join(repoRoot, 'sequences'),
      logs_dir: join(repoRoot, 'data', 'logs'),
    });
  });

  test('has four simulated batches, one starting automatically', () => {
    const config = parseConfig(text, EXAMPLE_CONFIG_PATH, {});
    expect(
      config.batches.map((b) => ({
        id: b.id,
        sequence_package: b.sequence_package,
        auto_start: b.auto_start,
        drivers: Object.values(b.hardware).map((h) => h.driver),
      })),
    ).toEqual([
      {
        id: 'batch_1',
        sequence_package: 'psu_functional',
        auto_start: true,
        drivers: ['sim_psu', 'sim_dmm'],
      },
      {
        id: 'batch_2',
        sequence_package: 'psu_functional',
        auto_start: false,
        drivers: ['sim_psu', 'sim_dmm'],
      },
      {
        id: 'batch_3',
        sequence_package: 'failure_paths',
        auto_start: false,
        drivers: ['sim_psu', 'sim_dmm', 'sim_relay'],
      },
      { id: 'batch_4', sequence_package: 'unit_checkout', auto_start: false, drivers: ['sim_unit'] },
    ]);
  });

  test('mentions every key of the schema, each right after a comment line', () => {
    const lines = text.split('\n');
    const missing: string[] = [];
    for (const path of schemaKeys(StationConfigSchema)) {
      const key = path.slice(path.lastIndexOf('.') + 1);
      // A key counts when it is written (possibly commented out) on a line after a comment.
      const documented = lines.some(
        (line, i) =>
          new RegExp(`^\\s*(#\\s*)?(- )?${key}:`).test(line) &&
          (lines[i - 1]?.trimStart().startsWith('#') ?? false),
      );
      if (!documented) missing.push(path);
    }
    expect(missing).toEqual([]);
  });

  test('the commented backend example takes its key from the environment', () => {
    expect(text).toContain('# api_key: ${STATION_BACKEND_API_KEY}');
  });
});
