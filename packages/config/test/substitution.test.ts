// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text, where ${VAR} is literal.
// ${VAR} substitution: set, default, unset (an error that names the variable and where it is used),
// the $${ escape, type conversion of substituted values, and secrets kept out of error messages.
import { afterEach, describe, expect, test } from 'bun:test';
import { parseConfig } from '../src/index.ts';
import { substituteEnv } from '../src/substitute.ts';
import { configError, removeTempStations, tempStation, yaml } from './helpers.ts';

afterEach(removeTempStations);

describe('substituteEnv', () => {
  test.each([
    ['${A}', { A: 'x' }, { value: 'x', fromEnv: ['A'], problems: [] }],
    ['pre-${A}-${B}-post', { A: '1', B: '2' }, { value: 'pre-1-2-post', fromEnv: ['A', 'B'], problems: [] }],
    ['${A:-fallback}', {}, { value: 'fallback', fromEnv: [], problems: [] }],
    ['${A:-fallback}', { A: '' }, { value: 'fallback', fromEnv: [], problems: [] }],
    ['${A:-fallback}', { A: 'set' }, { value: 'set', fromEnv: ['A'], problems: [] }],
    ['${A:-}', {}, { value: '', fromEnv: [], problems: [] }],
    ['${A:-http://h:1/x}', {}, { value: 'http://h:1/x', fromEnv: [], problems: [] }],
    ['${A}', { A: '' }, { value: '', fromEnv: ['A'], problems: [] }],
    ['cost $${A} and $5', { A: 'x' }, { value: 'cost ${A} and $5', fromEnv: [], problems: [] }],
    ['plain', {}, { value: 'plain', fromEnv: [], problems: [] }],
    [
      '${MISSING}',
      {},
      {
        value: '',
        fromEnv: [],
        problems: ['environment variable MISSING is not set (set it, or write ${MISSING:-default})'],
      },
    ],
    [
      'a ${1BAD} b',
      {},
      {
        value: 'a ${1BAD} b',
        fromEnv: [],
        problems: [
          'malformed variable reference "${1BAD}" (write ${NAME}, ${NAME:-default}, or $${ for a literal ${)',
        ],
      },
    ],
    [
      'open ${A',
      { A: 'x' },
      {
        value: 'open ${A',
        fromEnv: [],
        problems: [
          'malformed variable reference "${" (write ${NAME}, ${NAME:-default}, or $${ for a literal ${)',
        ],
      },
    ],
  ])('%s', (text, env, expected) => {
    expect(substituteEnv(text, env)).toEqual(expected);
  });
});

describe('substitution in station.yaml', () => {
  const base = (...extra: string[]) => yaml('station:', '  id: ${STATION_ID:-st-1}', ...extra);

  test('values come from the environment and are converted to the field type', () => {
    const root = tempStation();
    const text = base(
      'server:',
      '  port: ${PORT}',
      '  auth:',
      '    enabled: ${AUTH:-false}',
      'backend:',
      '  url: ${URL:-http://backend.local}',
      '  api_key: ${STATION_BACKEND_API_KEY}',
      '  timeout: ${TIMEOUT:-2s}',
    );
    const config = parseConfig(
      text,
      'station.yaml',
      { PORT: '9090', STATION_BACKEND_API_KEY: 'k-secret' },
      { cwd: root },
    );
    expect(config.station.id).toBe('st-1');
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 9090,
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
    });
    expect(config.backend).toEqual({
      url: 'http://backend.local',
      api_key: 'k-secret',
      sync_interval: 10_000,
      timeout: 2000,
      retry_base: 1000,
      retry_cap: 300_000,
      health_interval: 15_000,
      shutdown_flush: 5_000,
    });
  });

  test('an unset variable without default names the variable, file, line, column and field', () => {
    const root = tempStation();
    const text = base('backend:', '  url: http://b.local', '  api_key: ${STATION_BACKEND_API_KEY}');
    const err = configError(() => parseConfig(text, 'config/station.yaml', {}, { cwd: root }));
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.issues).toContainEqual({
      file: 'config/station.yaml',
      line: 5,
      column: 12,
      path: 'backend.api_key',
      message:
        'environment variable STATION_BACKEND_API_KEY is not set (set it, or write ${STATION_BACKEND_API_KEY:-default})',
    });
    expect(err.message).toContain(
      'config/station.yaml:5:12 backend.api_key: environment variable STATION_BACKEND_API_KEY is not set',
    );
  });

  test('two unset variables in one value are both named, in one issue', () => {
    const root = tempStation();
    const err = configError(() => parseConfig(base('  name: ${A}-${B}'), 'station.yaml', {}, { cwd: root }));
    expect(err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      '3:9 station.name: environment variable A is not set (set it, or write ${A:-default}); environment variable B is not set (set it, or write ${B:-default})',
    ]);
  });

  test('$${ is kept literally, and keys and comments are never substituted', () => {
    const root = tempStation();
    const text = base(
      '  name: "Price $${NOT_A_VAR}" # ${ALSO_NOT}',
      'batches:',
      '  - id: b1',
      '    sequence_package: p',
      '    parameters:',
      '      ${KEY}: 1',
    );
    const config = parseConfig(text, 'station.yaml', {}, { cwd: root });
    expect(config.station.name).toBe('Price ${NOT_A_VAR}');
    expect(config.batches[0]?.parameters).toEqual({ '${KEY}': 1 });
  });

  test('a substituted value that fails validation is not shown; the variable is named instead', () => {
    const root = tempStation();
    const err = configError(() =>
      parseConfig(
        base('server:', '  port: ${PORT}'),
        'station.yaml',
        { PORT: 'hunter2-secret' },
        { cwd: root },
      ),
    );
    expect(err.issues).toEqual([
      {
        file: 'station.yaml',
        line: 4,
        column: 9,
        path: 'server.port',
        message: 'expected a port number 0-65535, found the value of ${PORT} (hidden)',
        expected: 'a port number 0-65535',
        found: 'the value of ${PORT} (hidden)',
      },
    ]);
    expect(err.message).not.toContain('hunter2');
  });

  test('literal secrets in the file are not shown either', () => {
    const root = tempStation();
    const text = base(
      'server:',
      '  auth: { enabled: true, api_keys: [{ key: sk-literal-1, role: boss }] }',
      'backend:',
      '  api_key: [sk-literal-2]',
    );
    const err = configError(() => parseConfig(text, 'station.yaml', {}, { cwd: root }));
    expect(err.issues.map((i) => [i.path, i.found])).toEqual([
      ['server.auth.api_keys[0]', 'a mapping'],
      ['backend.api_key', 'a list'],
    ]);
    const err2 = configError(() =>
      parseConfig(
        base('server:', '  auth: { enabled: true, api_keys: [""] }'),
        'station.yaml',
        {},
        { cwd: root },
      ),
    );
    expect(err2.issues.map((i) => [i.path, i.message])).toEqual([
      [
        'server.auth.api_keys[0]',
        'expected a key string, or a mapping { key, role?, name? }, found a string (hidden)',
      ],
    ]);
    expect(err.message).not.toContain('sk-literal');
  });
});
