// Defaults (a minimal file loads to a complete configuration), durations, and path resolution against
// the config file's folder.
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, parseDuration, type StationConfig, storePath } from '../src/index.ts';
import { removeTempStations, tempStation, yaml } from './helpers.ts';

afterEach(removeTempStations);

describe('defaults', () => {
  test('a file with only a station id loads to the complete default configuration', () => {
    const root = tempStation();
    const config = parseConfig(yaml('station:', '  id: st-1'), join(root, 'station.yaml'));
    const expected: StationConfig = {
      station: { id: 'st-1', name: 'st-1', description: '' },
      server: {
        host: '127.0.0.1',
        port: 8080,
        allow_insecure_bind: false,
        auth: {
          enabled: false,
          type: 'api_key',
          api_keys: [],
          clock_skew: 30_000,
          jwt_ttl: 28_800_000,
          users: [],
        },
        max_body_bytes: 1_048_576,
        allowed_origins: [],
      },
      backend: {
        sync_interval: 10_000,
        timeout: 10_000,
        retry_base: 1000,
        retry_cap: 300_000,
        health_interval: 15_000,
        shutdown_flush: 5_000,
      },
      paths: {
        data_dir: join(root, 'data'),
        sequences_dir: join(root, 'sequences'),
        logs_dir: join(root, 'data', 'logs'),
      },
      ipc: {
        service_bus: `ipc://${root}/data/run/bus.sock`,
        event_pub: `ipc://${root}/data/run/events-in.sock`,
        event_sub: `ipc://${root}/data/run/events-out.sock`,
      },
      batches: [],
      hosts: [],
      limits: {},
      runner_env: {},
      logging: { level: 'info', max_file_mb: 10, keep_files: 5 },
      storage: { keep_results_days: 90, min_free_mb: 200, warn_free_mb: 1024 },
      supervisor: { orphan_timeout: 300_000, keep_runners: true },
      ui: {},
      security: {},
    };
    expect(config).toEqual(expected);
    // Offline mode is the absence of a url, not an empty one.
    expect('url' in config.backend).toBe(false);
    expect(storePath(config)).toBe(join(root, 'data', 'station.db'));
  });

  test('a minimal batch gets its name from the id and the default restart policy', () => {
    const root = tempStation();
    const config = parseConfig(
      yaml('station: { id: s }', 'batches:', '  - id: slot_1', '    sequence_package: psu_functional'),
      join(root, 'station.yaml'),
    );
    expect(config.batches).toEqual([
      {
        id: 'slot_1',
        name: 'slot_1',
        sequence_package: 'psu_functional',
        hardware: {},
        limits: {},
        auto_start: false,
        parameters: {},
        restart: {
          policy: 'on-failure',
          max_restarts: 3,
          window: 60_000,
          backoff_base: 1000,
          backoff_cap: 30_000,
        },
        env: {},
      },
    ]);
  });

  test('limits: the station-wide memory limit is each batch default; a batch value (0 = none) wins', () => {
    const root = tempStation();
    const config = parseConfig(
      yaml(
        'station: { id: s }',
        'limits: { memory_mb: 512 }',
        'batches:',
        '  - { id: a, sequence_package: p }',
        '  - { id: b, sequence_package: p, limits: { memory_mb: 64 } }',
        '  - { id: c, sequence_package: p, limits: { memory_mb: 0 } }',
      ),
      join(root, 'station.yaml'),
    );
    expect(config.batches.map((b) => [b.id, b.limits])).toEqual([
      ['a', { memory_mb: 512 }],
      ['b', { memory_mb: 64 }],
      ['c', { memory_mb: 0 }],
    ]);
  });

  test('hardware options and parameters are kept as written', () => {
    const root = tempStation();
    const config = parseConfig(
      yaml(
        'station: { id: s }',
        'batches:',
        '  - id: b',
        '    sequence_package: p',
        '    hardware:',
        '      psu: { driver: sim_psu, voltage: 12.5, channels: [1, 2], port: "/dev/ttyUSB0" }',
        '    parameters: { target: 5, label: "x", nested: { a: true } }',
      ),
      join(root, 'station.yaml'),
    );
    expect(config.batches[0]?.hardware).toEqual({
      psu: { driver: 'sim_psu', voltage: 12.5, channels: [1, 2], port: '/dev/ttyUSB0' },
    });
    expect(config.batches[0]?.parameters).toEqual({ target: 5, label: 'x', nested: { a: true } });
  });
});

describe('durations', () => {
  test.each([
    [250, 250],
    [0, 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['0.1s', 100],
    ['5 s', 5_000],
  ])('%p is %p ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '10', '1d', '-1s', 's', '1.s'])('%p is not a duration string', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  test('every duration field accepts both forms and loads as milliseconds', () => {
    const root = tempStation();
    const config = parseConfig(
      yaml(
        'station: { id: s }',
        'backend: { sync_interval: 500, timeout: 250ms, retry_base: 2s, retry_cap: 10m, health_interval: 1h, shutdown_flush: 2s }',
        'batches:',
        '  - id: b',
        '    sequence_package: p',
        '    restart: { window: 2m, backoff_base: 100, backoff_cap: 1.5s }',
      ),
      join(root, 'station.yaml'),
    );
    expect(config.backend).toEqual({
      sync_interval: 500,
      timeout: 250,
      retry_base: 2000,
      retry_cap: 600_000,
      health_interval: 3_600_000,
      shutdown_flush: 2_000,
    });
    expect(config.batches[0]?.restart).toEqual({
      policy: 'on-failure',
      max_restarts: 3,
      window: 120_000,
      backoff_base: 100,
      backoff_cap: 1500,
    });
  });

  test('a space before the unit reads as in a sequence manifest ("10 s")', () => {
    const root = tempStation();
    const config = parseConfig(
      yaml('station: { id: s }', 'backend: { timeout: 10 s, retry_cap: 2 m }'),
      join(root, 'station.yaml'),
    );
    expect([config.backend.timeout, config.backend.retry_cap]).toEqual([10_000, 120_000]);
  });
});

describe('path resolution', () => {
  test('relative paths resolve against the config file folder, not the cwd', () => {
    const root = tempStation();
    mkdirSync(join(root, 'seq'));
    const text = yaml(
      'station: { id: s }',
      'paths: { data_dir: ../var/data, sequences_dir: ../seq, logs_dir: logs }',
      'ipc: { service_bus: ipc://run/bus.sock, event_pub: "ipc://../ev-in.sock", event_sub: tcp://127.0.0.1:5601 }',
    );
    // The cwd given is unrelated; only the file's own folder (root/config) counts.
    const config = parseConfig(text, join(root, 'config', 'station.yaml'), {}, { cwd: '/' });
    expect(config.paths).toEqual({
      data_dir: join(root, 'var', 'data'),
      sequences_dir: join(root, 'seq'),
      logs_dir: join(root, 'config', 'logs'),
    });
    expect(config.ipc).toEqual({
      service_bus: `ipc://${join(root, 'config', 'run', 'bus.sock')}`,
      event_pub: `ipc://${join(root, 'ev-in.sock')}`,
      event_sub: 'tcp://127.0.0.1:5601',
    });
  });

  test('a relative file name resolves against the given cwd', () => {
    const root = tempStation();
    const config = parseConfig(
      yaml('station: { id: s }', 'paths: { sequences_dir: ../sequences }'),
      'config/x.yaml',
      {},
      {
        cwd: root,
      },
    );
    expect(config.paths.sequences_dir).toBe(join(root, 'sequences'));
    expect(config.paths.data_dir).toBe(join(root, 'config', 'data'));
  });

  test('absolute paths are kept, and the default ipc sockets follow data_dir', () => {
    const root = tempStation();
    const data = join(root, 'elsewhere');
    const config = parseConfig(
      yaml(
        'station: { id: s }',
        `paths: { data_dir: "${data}", sequences_dir: "${join(root, 'sequences')}" }`,
      ),
      join(root, 'config', 'station.yaml'),
    );
    expect(config.paths).toEqual({
      data_dir: data,
      sequences_dir: join(root, 'sequences'),
      logs_dir: join(data, 'logs'),
    });
    expect(config.ipc.service_bus).toBe(`ipc://${data}/run/bus.sock`);
    expect(storePath(config)).toBe(join(data, 'station.db'));
  });
});

describe('YAML features', () => {
  test('anchors and aliases share hardware between batches', () => {
    const root = tempStation();
    const text = yaml(
      'station: { id: s }',
      'batches:',
      '  - id: b1',
      '    sequence_package: p',
      '    hardware: { psu: &psu { driver: sim_psu, voltage: 5 } }',
      '  - id: b2',
      '    sequence_package: p',
      '    hardware: { psu: *psu }',
    );
    const config = parseConfig(text, join(root, 'station.yaml'));
    expect(config.batches.map((b) => b.hardware)).toEqual([
      { psu: { driver: 'sim_psu', voltage: 5 } },
      { psu: { driver: 'sim_psu', voltage: 5 } },
    ]);
  });
});
