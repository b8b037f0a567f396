// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text, where ${VAR} is literal.
// Schema and YAML errors: where each points (file:line:column, field path), what it says was expected and
// found, and that every problem of a file comes back at once.
import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { parseConfig } from '../src/index.ts';
import { at, configError, issuesOf, removeTempStations, tempStation, yaml } from './helpers.ts';

afterEach(removeTempStations);

describe('schema errors', () => {
  test('an unknown key is reported at the key with the closest known key suggested', () => {
    const root = tempStation();
    const text = yaml(
      'station: { id: s1 }',
      'batches:',
      '  - id: b1',
      '    sequence_package: psu_functional',
      '  - id: b2',
      '    sequence_package: psu_functional',
      '    auto_strat: true',
    );
    const err = configError(() => parseConfig(text, 'station.yaml', {}, { cwd: root }));
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.issues).toEqual([at(7, 5, 'batches[1].auto_strat', 'unknown key (did you mean auto_start?)')]);
    expect(err.message.split('\n')).toEqual([
      'station.yaml is not a valid station configuration (1 problem)',
      '  station.yaml:7:5 batches[1].auto_strat: unknown key (did you mean auto_start?)',
    ]);
  });

  test('an unknown key with no close match lists the known keys', () => {
    const { issues } = issuesOf(yaml('station: { id: s1 }', 'server:', '  colour: blue'));
    expect(issues).toEqual([
      at(
        3,
        3,
        'server.colour',
        'unknown key (known keys: host, port, allow_insecure_bind, auth, max_body_bytes, allowed_origins)',
      ),
    ]);
  });

  test('ui.language takes ko or en and names them when it is anything else', () => {
    const { issues } = issuesOf(yaml('station: { id: s1 }', 'ui:', '  language: kr'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'ui.language', line: 3 });
    expect(issues[0]!.message).toContain('one of ko, en');
  });

  test('a misspelt top-level section is caught', () => {
    const { issues } = issuesOf(yaml('station: { id: s1 }', 'loging:', '  level: debug'));
    expect(issues).toEqual([at(2, 1, 'loging', 'unknown key (did you mean logging?)')]);
  });

  test('a wrong type names what was expected and what was found', () => {
    const { issues } = issuesOf(
      yaml('station: { id: s1 }', 'server:', '  port: eighty', '  auth:', '    enabled: yes'),
    );
    expect(issues).toEqual([
      at(3, 9, 'server.port', 'expected a port number 0-65535, found "eighty"', {
        expected: 'a port number 0-65535',
        found: '"eighty"',
      }),
      at(5, 14, 'server.auth.enabled', 'expected true or false, found "yes"', {
        expected: 'true or false',
        found: '"yes"',
      }),
    ]);
  });

  test('a body limit out of range and an allowed origin that is not an origin', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'server:',
        '  max_body_bytes: 10',
        '  allowed_origins: ["*", "http://ok:1"]',
      ),
    );
    expect(issues).toEqual([
      at(3, 19, 'server.max_body_bytes', 'expected a number of bytes from 1024 to 67108864, found 10', {
        expected: 'a number of bytes from 1024 to 67108864',
        found: '10',
      }),
      at(4, 21, 'server.allowed_origins[0]', expect.stringContaining('expected an origin'), {
        expected: 'an origin: scheme://host[:port], such as "https://hmi.plant.example:8443"',
        found: '"*"',
      }),
    ]);
  });

  test('out-of-range numbers and values outside an enumeration', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'server: { port: 70000 }',
        'logging: { level: loud }',
        'batches:',
        '  - id: b1',
        '    sequence_package: p',
        '    restart: { policy: always, max_restarts: -1 }',
      ),
    );
    expect(issues).toEqual([
      at(2, 17, 'server.port', 'expected a port number 0-65535, found 70000', {
        expected: 'a port number 0-65535',
        found: '70000',
      }),
      at(
        3,
        19,
        'logging.level',
        'expected one of trace, debug, info, warn, error, fatal, silent, found "loud"',
        {
          expected: 'one of trace, debug, info, warn, error, fatal, silent',
          found: '"loud"',
        },
      ),
      at(7, 24, 'batches[0].restart.policy', 'expected "never" or "on-failure", found "always"', {
        expected: '"never" or "on-failure"',
        found: '"always"',
      }),
      at(7, 46, 'batches[0].restart.max_restarts', 'expected an integer >= 0, found -1', {
        expected: 'an integer >= 0',
        found: '-1',
      }),
    ]);
  });

  test('a missing required key points at its section (the key, or the list item)', () => {
    const { issues } = issuesOf(yaml('station:', '  name: no id', 'batches:', '  - id: b1'));
    expect(issues).toEqual([
      at(1, 1, 'station.id', 'required key is missing (expected 1-64 letters, digits, "_" or "-")', {
        expected: '1-64 letters, digits, "_" or "-"',
        found: 'nothing',
      }),
      at(
        4,
        5,
        'batches[0].sequence_package',
        'required key is missing (expected a sequence package name (1-64 letters, digits, "_" or "-"))',
        {
          expected: 'a sequence package name (1-64 letters, digits, "_" or "-")',
          found: 'nothing',
        },
      ),
    ]);
  });

  test('an empty file asks for the station section', () => {
    const { issues } = issuesOf('# nothing yet\n');
    expect(issues).toEqual([
      at(1, 1, 'station', 'required key is missing (expected a mapping with at least "id")', {
        expected: 'a mapping with at least "id"',
        found: 'nothing',
      }),
    ]);
  });

  test('a key left empty counts as missing, reported where it was left empty', () => {
    const { issues } = issuesOf(yaml('station:', '  id:', 'ipc:', '  # all defaults'));
    expect(issues.map((i) => [i.line, i.column, i.path, i.found])).toEqual([[2, 3, 'station.id', 'nothing']]);
  });

  test('bad batch ids and sequence package names (they become service and folder names)', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'batches:',
        '  - id: "slot 1"',
        '    sequence_package: ../../etc',
        '  - id: b2',
        '    sequence_package: psu.functional',
        '  - id: b3',
        `    sequence_package: ${'p'.repeat(65)}`,
      ),
    );
    const packageName = (line: number, index: number, found: string) =>
      at(
        line,
        23,
        `batches[${index}].sequence_package`,
        `expected a sequence package name (1-64 letters, digits, "_" or "-"), found ${found}`,
        { expected: 'a sequence package name (1-64 letters, digits, "_" or "-")', found },
      );
    expect(issues).toEqual([
      at(3, 9, 'batches[0].id', 'expected 1-64 letters, digits, "_" or "-", found "slot 1"', {
        expected: '1-64 letters, digits, "_" or "-"',
        found: '"slot 1"',
      }),
      packageName(4, 0, '"../../etc"'),
      // The manifest's rule, the same one: a dot and a 65th character are refused in both files.
      packageName(6, 1, '"psu.functional"'),
      packageName(8, 2, `"${'p'.repeat(57)}..."`), // the value is shortened in the message
    ]);
  });

  test('a sequence_version is latest or a semantic version', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'batches:',
        '  - { id: b1, sequence_package: p, sequence_version: newest }',
        '  - { id: b2, sequence_package: p, sequence_version: 1.2.0 }',
        '  - { id: b3, sequence_package: p, sequence_version: latest }',
      ),
    );
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [
        3,
        'batches[0].sequence_version',
        'expected "latest" or a semantic version such as 1.2.0, found "newest"',
      ],
    ]);
  });

  test('a bad duration says which notations are accepted', () => {
    const { issues } = issuesOf(yaml('station: { id: s1 }', 'backend:', '  timeout: 10 seconds'));
    const expected = 'a duration: milliseconds, or a string like "250ms", "30s", "5m", "1h"';
    expect(issues).toEqual([
      at(3, 12, 'backend.timeout', `expected ${expected}, found "10 seconds"`, {
        expected,
        found: '"10 seconds"',
      }),
    ]);
  });

  test('a hardware entry needs a driver and a safe name', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'batches:',
        '  - id: b1',
        '    sequence_package: p',
        '    hardware:',
        '      psu: { voltage: 5 }',
        '      "dmm 2": { driver: sim_dmm }',
      ),
    );
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      '6:7 batches[0].hardware.psu.driver: required key is missing (expected a driver name)',
      '7:7 batches[0].hardware["dmm 2"]: hardware names may use only 1-64 letters, digits, "_" or "-"',
    ]);
  });
});

describe('syntax and reporting', () => {
  test('YAML syntax errors carry line and column, all of them, and no source text', () => {
    const root = tempStation();
    const text = yaml(
      'station:',
      '  id: s1',
      '  name: [a, b',
      'backend:',
      '  api_key: "sk-live-1234567" trailing',
    );
    const err = configError(() => parseConfig(text, 'station.yaml', {}, { cwd: root }));
    expect(err.code).toBe('YAML_SYNTAX');
    expect(err.issues.map((i) => [i.file, i.line, i.column])).toEqual([
      ['station.yaml', 4, 1],
      ['station.yaml', 5, 30],
    ]);
    expect(err.message).toStartWith('station.yaml is not valid YAML (2 problems)\n  station.yaml:4:1: ');
    expect(err.message).not.toContain('sk-live');
  });

  test('a duplicate key is a syntax error at the second key', () => {
    const { issues } = (() => {
      const root = tempStation();
      const err = configError(() =>
        parseConfig(
          yaml('station: { id: s1 }', 'server: {}', 'server: {}'),
          'station.yaml',
          {},
          { cwd: root },
        ),
      );
      expect(err.code).toBe('YAML_SYNTAX');
      return err;
    })();
    expect(issues).toEqual([{ ...at(3, 1, '', 'map keys must be unique') }]);
  });

  test('every problem of a file is reported at once, in file order, one per line', () => {
    const root = tempStation();
    const text = yaml(
      'station:',
      '  id: s1',
      'server:',
      '  host: 0.0.0.0',
      '  port: ${PORT}',
      'batches:',
      '  - id: b1',
      '    sequence_package: p',
      '    auto_strat: true',
      '  - id: b1',
      '    sequence_package: p',
      'logging: { level: loud }',
    );
    const err = configError(() => parseConfig(text, 'config/station.yaml', {}, { cwd: root }));
    expect(err.message.split('\n')).toEqual([
      'config/station.yaml is not a valid station configuration (6 problems)',
      '  config/station.yaml:1:1 paths.sequences_dir: sequences folder ' +
        `${join(root, 'config', 'sequences')} does not exist`,
      '  config/station.yaml:4:9 server.host: refusing to listen on "0.0.0.0" without authentication: enable server.auth (with api_keys) or set server.allow_insecure_bind: true',
      '  config/station.yaml:5:9 server.port: environment variable PORT is not set (set it, or write ${PORT:-default})',
      '  config/station.yaml:9:5 batches[0].auto_strat: unknown key (did you mean auto_start?)',
      '  config/station.yaml:10:9 batches[1].id: duplicate batch id "b1" (already used by batches[0])',
      '  config/station.yaml:12:19 logging.level: expected one of trace, debug, info, warn, error, fatal, silent, found "loud"',
    ]);
  });
});

describe('empty values', () => {
  test('an empty hardware entry is an error, an empty parameter is a value', () => {
    const root = tempStation();
    const text = yaml(
      'station: { id: s1 }',
      'server:',
      'batches:',
      '  - id: b1',
      '    sequence_package: p',
      '    restart:',
      '    hardware:',
      '      psu:',
      '      dmm: { driver: }',
      '    parameters: { note: }',
    );
    const err = configError(() => parseConfig(text, 'station.yaml', {}, { cwd: root }));
    expect(err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      '8:7 batches[0].hardware.psu: expected a mapping with at least "driver", found an empty value',
      '9:14 batches[0].hardware.dmm.driver: required key is missing (expected a driver name)',
    ]);
    const ok = parseConfig(
      text.replace(/psu:\n.*dmm: \{ driver: \}/s, 'dmm: { driver: sim_dmm }'),
      'station.yaml',
      {},
      {
        cwd: root,
      },
    );
    expect(ok.batches[0]?.parameters).toEqual({ note: null });
    expect(ok.batches[0]?.restart.policy).toBe('on-failure');
  });
});
