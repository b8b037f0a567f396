// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text, where ${VAR} is literal.
// loadConfig's lookup order (--config > STATION_CONFIG > config/station.yaml > shipped example), the
// source it reports, and the file-level errors (missing, unreadable).
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_CONFIG_PATH, loadConfig } from '../src/index.ts';
import { configError, removeTempStations, tempStation, writeAt, yaml } from './helpers.ts';

afterEach(removeTempStations);

/** A station folder holding a flag.yaml, an env.yaml and a config/station.yaml with different ids. */
function stationWithAllFiles(): string {
  const root = tempStation();
  writeAt(root, 'flag.yaml', yaml('station: { id: from-flag }'));
  writeAt(root, 'env.yaml', yaml('station: { id: from-env }'));
  writeAt(
    root,
    'config/station.yaml',
    yaml('station: { id: from-default }', 'paths: { sequences_dir: ../sequences }'),
  );
  return root;
}

describe('lookup order', () => {
  test('--config PATH wins over STATION_CONFIG and config/station.yaml', () => {
    const root = stationWithAllFiles();
    const loaded = loadConfig({
      argv: ['--config', 'flag.yaml'],
      env: { STATION_CONFIG: 'env.yaml' },
      cwd: root,
    });
    expect({ id: loaded.config.station.id, path: loaded.path, source: loaded.source }).toEqual({
      id: 'from-flag',
      path: join(root, 'flag.yaml'),
      source: 'flag',
    });
  });

  test('--config=PATH works too, among other arguments', () => {
    const root = stationWithAllFiles();
    const loaded = loadConfig({
      argv: ['--verbose', `--config=${join(root, 'flag.yaml')}`, 'x'],
      env: {},
      cwd: '/',
    });
    expect([loaded.config.station.id, loaded.source]).toEqual(['from-flag', 'flag']);
  });

  test('STATION_CONFIG wins over config/station.yaml', () => {
    const root = stationWithAllFiles();
    const loaded = loadConfig({ argv: [], env: { STATION_CONFIG: 'env.yaml' }, cwd: root });
    expect({ id: loaded.config.station.id, path: loaded.path, source: loaded.source }).toEqual({
      id: 'from-env',
      path: join(root, 'env.yaml'),
      source: 'env',
    });
  });

  test('config/station.yaml under the cwd comes next', () => {
    const root = stationWithAllFiles();
    const loaded = loadConfig({ argv: [], env: { STATION_CONFIG: '' }, cwd: root });
    expect({ id: loaded.config.station.id, path: loaded.path, source: loaded.source }).toEqual({
      id: 'from-default',
      path: join(root, 'config', 'station.yaml'),
      source: 'default',
    });
  });

  test('with nothing else, the shipped example is used, whatever the cwd', () => {
    const root = tempStation();
    const loaded = loadConfig({ argv: [], env: {}, cwd: root });
    expect({ id: loaded.config.station.id, path: loaded.path, source: loaded.source }).toEqual({
      id: 'station-01',
      path: EXAMPLE_CONFIG_PATH,
      source: 'example',
    });
  });

  test('the environment given is the one used for substitution', () => {
    const root = tempStation();
    writeAt(root, 'flag.yaml', yaml('station:', '  id: ${STATION_ID}'));
    const loaded = loadConfig({
      argv: ['--config', 'flag.yaml'],
      env: { STATION_ID: 'from-env-var' },
      cwd: root,
    });
    expect(loaded.config.station.id).toBe('from-env-var');
  });
});

describe('file errors', () => {
  test('a --config file that does not exist is an error, not a fallback', () => {
    const root = stationWithAllFiles();
    const err = configError(() => loadConfig({ argv: ['--config', 'nope.yaml'], env: {}, cwd: root }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.issues).toEqual([
      { file: 'nope.yaml', line: 0, column: 0, path: '', message: 'no such file (given with --config)' },
    ]);
    expect(err.message).toBe('configuration file not found\n  nope.yaml: no such file (given with --config)');
  });

  test('a STATION_CONFIG file that does not exist is an error, shown with its absolute path outside the cwd', () => {
    const root = stationWithAllFiles();
    const err = configError(() =>
      loadConfig({ argv: [], env: { STATION_CONFIG: '/nonexistent/s.yaml' }, cwd: root }),
    );
    expect([err.code, err.message]).toEqual([
      'NOT_FOUND',
      'configuration file not found\n  /nonexistent/s.yaml: no such file (given in STATION_CONFIG)',
    ]);
  });

  test('--config without a path', () => {
    const err = configError(() => loadConfig({ argv: ['--config'], env: {}, cwd: '/' }));
    expect([err.code, err.message]).toEqual([
      'NOT_FOUND',
      'configuration file not found\n  --config: needs a path: --config PATH',
    ]);
  });

  test('a folder given as the config file is unreadable', () => {
    const root = tempStation();
    mkdirSync(join(root, 'dir.yaml'));
    const err = configError(() => loadConfig({ argv: ['--config', 'dir.yaml'], env: {}, cwd: root }));
    expect(err.code).toBe('UNREADABLE');
    expect(err.issues).toEqual([
      {
        file: 'dir.yaml',
        line: 0,
        column: 0,
        path: '',
        message: 'is a folder, not a file (given with --config)',
      },
    ]);
    expect(err.cause).toBeInstanceOf(Error);
  });

  test('validation errors name the file as it is found from the cwd', () => {
    const root = tempStation();
    writeAt(
      root,
      'config/station.yaml',
      yaml('station: { id: s }', 'paths: { sequences_dir: ../sequences }', 'bogus: 1'),
    );
    const err = configError(() => loadConfig({ argv: [], env: {}, cwd: root }));
    expect(err.message.split('\n')).toEqual([
      'config/station.yaml is not a valid station configuration (1 problem)',
      '  config/station.yaml:3:1 bogus: unknown key (known keys: station, server, backend, paths, ipc, batches, hosts, limits, runner_env, logging, storage, supervisor, ui, security, remote)',
    ]);
  });
});
