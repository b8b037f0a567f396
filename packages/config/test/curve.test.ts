// security.curve and remote: keys from files and the environment, never inline secrets; the broker's
// authorize reads the hosts' key folder on every connection.
import { afterEach, describe, expect, test } from 'bun:test';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { curveKeyPair, formatKeyFile, ZmtpError } from '@station/zmtp';
import { curveClient, curveServer, parseConfig, secretValues, secretVariables } from '../src/index.ts';
import { configError, removeTempStations, tempStation, writeAt, yaml } from './helpers.ts';

afterEach(removeTempStations);

const station = curveKeyPair();
const host = curveKeyPair();

/** A station folder with its key pair (secret file 0600) and one authorized host key. */
function stationWithKeys(): string {
  const root = tempStation();
  writeAt(root, 'keys/station.key', formatKeyFile({ publicKey: station.publicKey }));
  chmodSync(writeAt(root, 'keys/station.key_secret', formatKeyFile(station)), 0o600);
  writeAt(root, 'keys/hosts/rack-pc.key', formatKeyFile({ publicKey: host.publicKey }));
  return root;
}

const stationYaml = (...extra: string[]) =>
  yaml(
    'station: { id: s1 }',
    'security:',
    '  curve:',
    '    secret_key_file: keys/station.key_secret',
    '    public_key_file: keys/station.key',
    '    authorized_keys_dir: keys/hosts',
    'remote:',
    '  service_bus: tcp://0.0.0.0:5560',
    '  event_pub: tcp://0.0.0.0:5561',
    '  event_sub: tcp://0.0.0.0:5562',
    ...extra,
  );

describe('the station side', () => {
  test('keys come from the files; authorize accepts the hosts in the folder, re-read per connection', () => {
    const root = stationWithKeys();
    const config = parseConfig(stationYaml(), join(root, 'station.yaml'));
    expect(config.security.curve?.secret_key_file).toBe(join(root, 'keys/station.key_secret'));
    expect(config.remote?.service_bus).toBe('tcp://0.0.0.0:5560');
    const server = curveServer(config, {});
    expect(server).toMatchObject({
      server: true,
      publicKey: station.publicKey,
      secretKey: station.secretKey,
    });
    const other = curveKeyPair();
    expect(server?.authorize(host.publicKey, { address: 'x' })).toBe(true);
    expect(server?.authorize(other.publicKey, { address: 'x' })).toBe(false);
    // Rotation without a restart: a new host file authorizes, a deleted one no longer does.
    writeAt(root, 'keys/hosts/new-pc.key', `${other.publicKey}\n`);
    expect(server?.authorize(other.publicKey, { address: 'x' })).toBe(true);
    rmSync(join(root, 'keys/hosts/rack-pc.key'));
    expect(server?.authorize(host.publicKey, { address: 'x' })).toBe(false);
    // The station's own processes never use CURVE (its ipc endpoints are local unix sockets).
    expect(curveClient(config, {})).toBeUndefined();
  });

  test('a secret key written inline is refused, and its value is not repeated in the error', () => {
    const root = stationWithKeys();
    const text = stationYaml().replace(
      '    secret_key_file: keys/station.key_secret',
      `    secret_key: "${station.secretKey}"`,
    );
    const err = configError(() => parseConfig(text, join(root, 'station.yaml')));
    expect(err.code).toBe('INVALID_CONFIG');
    const issue = err.issues.find((i) => i.path === 'security.curve.secret_key');
    expect(issue?.message).toContain('never written in station.yaml');
    expect(issue?.message).toContain('secret_key_file');
    expect(err.message).not.toContain(station.secretKey);
  });

  test('key file problems are config errors at their field', () => {
    const root = stationWithKeys();
    chmodSync(join(root, 'keys/station.key_secret'), 0o644);
    writeAt(root, 'keys/broken.key', 'curve\n    public-key = "abc"\n');
    const text = stationYaml('').replace(
      'public_key_file: keys/station.key',
      'public_key_file: keys/broken.key',
    );
    const err = configError(() => parseConfig(text, join(root, 'station.yaml')));
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i.message]));
    expect(byPath['security.curve.secret_key_file']).toContain('chmod 600');
    expect(byPath['security.curve.public_key_file']).toContain('characters');
  });

  test('two sources for one key, no secret key, and remote endpoints without authorized hosts are refused', () => {
    const root = stationWithKeys();
    const text = yaml(
      'station: { id: s1 }',
      'security:',
      '  curve:',
      '    public_key: "' + station.publicKey + '"',
      '    public_key_file: keys/station.key',
      'remote:',
      '  service_bus: tcp://0.0.0.0:5560',
      '  event_pub: tcp://0.0.0.0:5561',
      '  event_sub: tcp://0.0.0.0:5562',
    );
    const err = configError(() => parseConfig(text, join(root, 'station.yaml')));
    const messages = err.issues.map((i) => `${i.path}: ${i.message}`);
    expect(messages).toContain(
      'security.curve.public_key_file: give public_key one way only, not public_key and public_key_file',
    );
    expect(
      messages.some((m) => m.startsWith('security.curve: needs secret_key_file or secret_key_env')),
    ).toBe(true);
    expect(messages.some((m) => m.startsWith('remote: the remote endpoints need security.curve'))).toBe(true);
  });
});

describe('a batch host', () => {
  const hostYaml = yaml(
    'station: { id: s1 }',
    'ipc:',
    '  service_bus: tcp://station.plant:5560',
    '  event_pub: tcp://station.plant:5561',
    '  event_sub: tcp://station.plant:5562',
    'security:',
    '  curve:',
    '    secret_key_env: HOST_CURVE_SECRET',
    `    server_key: "${station.publicKey}"`,
  );

  test('client keys from the environment (a bare key or a key file text) and the station key inline', () => {
    const root = tempStation();
    const config = parseConfig(hostYaml, join(root, 'station.yaml'));
    expect(curveClient(config, { HOST_CURVE_SECRET: host.secretKey })).toEqual({
      serverKey: station.publicKey,
      publicKey: host.publicKey,
      secretKey: host.secretKey,
    });
    expect(curveClient(config, { HOST_CURVE_SECRET: formatKeyFile(host) })?.secretKey).toBe(host.secretKey);
  });

  test('a missing variable or a public key where the secret belongs is a BAD_KEY error naming it', () => {
    const root = tempStation();
    const config = parseConfig(hostYaml, join(root, 'station.yaml'));
    expect(() => curveClient(config, {})).toThrow('$HOST_CURVE_SECRET');
    expect(() =>
      curveClient(config, { HOST_CURVE_SECRET: formatKeyFile({ publicKey: host.publicKey }) }),
    ).toThrow('holds no secret-key');
    expect(() => curveClient(config, {})).toThrow(ZmtpError);
  });
});

test('the variable named by secret_key_env is a secret: withheld from runners and scrubbed from logs', () => {
  const root = tempStation();
  const config = parseConfig(
    yaml('station: { id: s1 }', 'security:', '  curve:', '    secret_key_env: RACK_KEY'),
    join(root, 'station.yaml'),
  );
  expect(secretVariables(config).has('RACK_KEY')).toBe(true);
  expect(secretValues(config, { RACK_KEY: host.secretKey })).toContain(host.secretKey);
});
