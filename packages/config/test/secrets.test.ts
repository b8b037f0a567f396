// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text, where ${VAR} is literal.
// The secrets a station holds (secretValues), runner_env / batches[].env, and a runner's view of a file
// whose secrets were withheld (withWithheld).
import { afterEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import { parseConfig, secretValues, secretVariables, WITHHELD, withWithheld } from '../src/index.ts';
import { configError, removeTempStations, tempStation, yaml } from './helpers.ts';

afterEach(removeTempStations);

const FILE = yaml(
  'station: { id: s }',
  'backend:',
  '  url: https://sync:url-pass-99@backend.example/',
  '  api_key: ${STATION_BACKEND_API_KEY}',
  'server: { auth: { api_keys: [ literal-operator-key, { key: mapped-key-77, role: operator, name: line-pc } ] } }',
  'runner_env: { LINE_ID: "${LINE_ID}" }',
  'batches:',
  '  - id: b1',
  '    sequence_package: p',
  '    hardware: { psu: { driver: sim_psu, password: "${PSU_PW}", port: "${PSU_PORT}" } }',
  '    env: { SLOT: "3" }',
);
const ENV = {
  STATION_BACKEND_API_KEY: 'backend-key-1',
  STATION_JWT_SECRET: 'jwt-secret-2',
  PSU_PW: 'psu-pw-3',
  PSU_PORT: '/dev/ttyUSB0',
  LINE_ID: 'line-7',
  PATH: '/usr/bin',
};

test('secret values: secret fields, the url password, secret variables referenced or merely present', () => {
  const root = tempStation();
  const config = parseConfig(FILE, join(root, 'station.yaml'), ENV);
  expect(new Set(secretValues(config, ENV))).toEqual(
    new Set([
      'backend-key-1',
      'jwt-secret-2',
      'psu-pw-3',
      'literal-operator-key',
      'mapped-key-77',
      'url-pass-99',
    ]),
  );
  expect(secretVariables(config)).toEqual(new Set(['STATION_BACKEND_API_KEY', 'PSU_PW']));
  expect(config.runner_env).toEqual({ LINE_ID: 'line-7' });
  expect(config.batches[0]?.env).toEqual({ SLOT: '3' });
});

test('a runner parses the file with the variables its supervisor withheld', () => {
  const root = tempStation();
  const runnerEnv = { PSU_PW: 'psu-pw-3', PSU_PORT: '/dev/ttyUSB0', LINE_ID: 'line-7' };
  const file = join(root, 'station.yaml');
  expect(configError(() => parseConfig(FILE, file, runnerEnv)).message).toContain(
    'STATION_BACKEND_API_KEY is not set',
  );
  const env = withWithheld({ ...runnerEnv, STATION_WITHHELD_ENV: 'STATION_BACKEND_API_KEY' });
  const config = parseConfig(FILE, file, env);
  expect(config.backend.api_key).toBe(WITHHELD);
  expect(secretValues(config, env)).not.toContain(WITHHELD);
});

test('runner_env names must be environment variable names', () => {
  const root = tempStation();
  const err = configError(() =>
    parseConfig(yaml('station: { id: s }', 'runner_env: { "1BAD": x }'), join(root, 'station.yaml')),
  );
  expect(err.issues.map((i) => i.path)).toEqual(['runner_env["1BAD"]']);
});
