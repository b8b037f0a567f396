// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are station.yaml text, where ${VAR} is literal.
// redactConfig: what a service logs as its effective configuration must hold no secret.
import { afterEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import { parseConfig, REDACTED, redactConfig } from '../src/index.ts';
import { removeTempStations, tempStation, yaml } from './helpers.ts';

afterEach(removeTempStations);

test('API keys, secret-looking options, URL passwords and values from the environment are redacted', () => {
  const root = tempStation();
  const text = yaml(
    'station:',
    '  id: s1',
    '  description: ${DESCRIPTION}',
    'server:',
    '  auth: { enabled: true, api_keys: [client-key-1, "${CLIENT_KEY}"] }',
    'backend:',
    '  url: https://station:pw-in-url@backend.example.com/',
    '  api_key: ${STATION_BACKEND_API_KEY}',
    'batches:',
    '  - id: b1',
    '    sequence_package: p',
    '    hardware:',
    '      scope: { driver: visa, address: "TCPIP::10.0.0.9", password: scope-pass }',
  );
  const env = {
    DESCRIPTION: 'env-description',
    CLIENT_KEY: 'client-key-2',
    STATION_BACKEND_API_KEY: 'backend-key',
  };
  const config = parseConfig(text, join(root, 'station.yaml'), env);
  const redacted = redactConfig(config);

  expect(redacted.station).toEqual({ id: 's1', name: 's1', description: REDACTED });
  expect(redacted.server.auth).toEqual({
    enabled: true,
    type: 'api_key',
    api_keys: [REDACTED, REDACTED],
    clock_skew: 30_000,
    jwt_ttl: 28_800_000,
    users: [],
  });
  expect(redacted.backend.url).toBe('https://station:%5Bredacted%5D@backend.example.com/');
  expect(redacted.backend.api_key).toBe(REDACTED);
  expect(redacted.batches[0]?.hardware).toEqual({
    scope: { driver: 'visa', address: 'TCPIP::10.0.0.9', password: REDACTED },
  });
  const logged = JSON.stringify(redacted);
  for (const secret of ['env-description', 'client-key', 'pw-in-url', 'backend-key', 'scope-pass']) {
    expect(logged).not.toContain(secret);
  }
  // The original stays usable.
  expect(config.backend.api_key).toBe('backend-key');
  expect(config.server.auth.api_keys).toEqual(['client-key-1', 'client-key-2']);
});

test('everything else is unchanged', () => {
  const root = tempStation();
  const config = parseConfig(
    yaml('station: { id: s1 }', 'server: { port: 9000 }'),
    join(root, 'station.yaml'),
  );
  expect(redactConfig(config)).toEqual(config);
});
