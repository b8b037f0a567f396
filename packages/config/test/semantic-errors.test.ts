// Rules beyond the schema: unique batch ids, no open bind without auth, auth with keys, a usable
// sequences folder, backoff bounds, distinct and valid bus endpoints.
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/index.ts';
import { at, configError, issuesOf, removeTempStations, tempStation, yaml } from './helpers.ts';

afterEach(removeTempStations);

describe('semantic errors', () => {
  test('a duplicate batch id points at the second one', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'batches:',
        '  - { id: b1, sequence_package: p }',
        '  - { id: b2, sequence_package: p }',
        '  - { id: b1, sequence_package: p }',
      ),
    );
    expect(issues).toEqual([
      at(5, 11, 'batches[2].id', 'duplicate batch id "b1" (already used by batches[0])'),
    ]);
  });

  test('a non-loopback host without auth is refused', () => {
    const { issues } = issuesOf(yaml('station: { id: s1 }', 'server:', '  host: 0.0.0.0'));
    expect(issues).toEqual([
      at(
        3,
        9,
        'server.host',
        'refusing to listen on "0.0.0.0" without authentication: enable server.auth (with api_keys) or set server.allow_insecure_bind: true',
      ),
    ]);
  });

  test('a non-loopback host is accepted with auth, or with allow_insecure_bind', () => {
    const root = tempStation();
    const withAuth = yaml(
      'station: { id: s1 }',
      'server:',
      '  host: 0.0.0.0',
      '  auth: { enabled: true, api_keys: [k-123456] }',
    );
    const insecure = yaml('station: { id: s1 }', 'server: { host: 10.0.0.5, allow_insecure_bind: true }');
    const loopbacks = ['127.0.0.2', 'localhost', '::1', '[::1]'].map((h) =>
      yaml('station: { id: s1 }', `server: { host: "${h}" }`),
    );
    for (const text of [withAuth, insecure, ...loopbacks]) {
      expect(() => parseConfig(text, 'station.yaml', {}, { cwd: root })).not.toThrow();
    }
  });

  test('auth enabled without api keys is an error', () => {
    const { issues } = issuesOf(yaml('station: { id: s1 }', 'server:', '  auth:', '    enabled: true'));
    expect(issues).toEqual([
      at(
        3,
        3,
        'server.auth.api_keys',
        'server.auth.enabled is true but no api_keys are listed; every request would be refused',
      ),
    ]);
  });

  test('type jwt needs a secret of at least 32 bytes; users need type jwt and unique names', () => {
    const hash = '$2b$04$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234';
    const short = issuesOf(
      yaml('station: { id: s1 }', 'server:', '  auth: { enabled: true, type: jwt, jwt_secret: too-short }'),
    );
    expect(short.issues.map((i) => [i.path, i.message])).toEqual([
      [
        'server.auth.jwt_secret',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the message names the ${VAR} to write in station.yaml
        'server.auth.type jwt needs jwt_secret of at least 32 bytes (e.g. ${STATION_JWT_SECRET}, from `openssl rand -base64 48`)',
      ],
    ]);
    // The issue never shows the secret itself.
    expect(JSON.stringify(short.issues)).not.toContain('too-short');
    const users = issuesOf(
      yaml(
        'station: { id: s1 }',
        'server:',
        '  auth:',
        '    users:',
        `      - { name: a, password_hash: "${hash}", role: operator }`,
        `      - { name: a, password_hash: "${hash}", role: admin }`,
      ),
    );
    expect(users.issues.map((i) => [i.path, i.message])).toEqual([
      ['server.auth.users', 'users sign in with tokens: set server.auth.type: jwt (and jwt_secret)'],
      ['server.auth.users[1].name', 'user "a" is listed twice'],
    ]);
  });

  test('a user role outside operator, engineer, admin and a password that is not a hash are refused', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'server:',
        '  auth:',
        '    type: jwt',
        '    jwt_secret: 0123456789abcdef0123456789abcdef',
        '    users: [{ name: a, password_hash: plaintext-password, role: root }]',
      ),
    );
    expect(issues.map((i) => i.path).sort()).toEqual([
      'server.auth.users[0].password_hash',
      'server.auth.users[0].role',
    ]);
    expect(JSON.stringify(issues)).not.toContain('plaintext-password');
  });

  test('a missing sequences folder, and one that is a file', () => {
    const root = tempStation();
    writeFileSync(join(root, 'afile'), 'x');
    const missing = configError(() =>
      parseConfig(
        yaml('station: { id: s1 }', 'paths:', '  sequences_dir: ./nope'),
        'station.yaml',
        {},
        { cwd: root },
      ),
    );
    expect(missing.issues).toEqual([
      at(3, 18, 'paths.sequences_dir', `sequences folder ${join(root, 'nope')} does not exist`),
    ]);
    const file = configError(() =>
      parseConfig(
        yaml('station: { id: s1 }', 'paths: { sequences_dir: afile }'),
        'station.yaml',
        {},
        { cwd: root },
      ),
    );
    expect(file.issues).toEqual([
      at(2, 25, 'paths.sequences_dir', `sequences folder ${join(root, 'afile')} is not a folder`),
    ]);
  });

  test('the default sequences folder is checked too, reported at the top of the file', () => {
    const root = tempStation();
    mkdirSync(join(root, 'sub'));
    const err = configError(() =>
      parseConfig(yaml('station: { id: s1 }'), 'sub/station.yaml', {}, { cwd: root }),
    );
    expect(err.issues).toEqual([
      {
        file: 'sub/station.yaml',
        line: 1,
        column: 1,
        path: 'paths.sequences_dir',
        message: `sequences folder ${join(root, 'sub', 'sequences')} does not exist`,
      },
    ]);
  });

  test('a backoff cap below its base', () => {
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'backend: { retry_base: 10s, retry_cap: 2s }',
        'batches:',
        '  - id: b1',
        '    sequence_package: p',
        '    restart: { backoff_base: 1m }',
      ),
    );
    expect(issues).toEqual([
      at(2, 40, 'backend.retry_cap', 'retry_cap (2000 ms) must not be smaller than retry_base (10000 ms)'),
      at(
        6,
        5,
        'batches[0].restart.backoff_cap',
        'backoff_cap (30000 ms) must not be smaller than backoff_base (60000 ms)',
      ),
    ]);
  });

  test('two buses on one endpoint, and a socket path too long for the system', () => {
    const long = `ipc:///tmp/${'x'.repeat(120)}.sock`;
    const { issues } = issuesOf(
      yaml(
        'station: { id: s1 }',
        'ipc:',
        '  service_bus: tcp://127.0.0.1:5555',
        '  event_pub: tcp://127.0.0.1:5555',
        `  event_sub: ${long}`,
      ),
    );
    expect(
      issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message.replace(/\d+ bytes.*/, 'N bytes')}`),
    ).toEqual([
      '4:14 ipc.event_pub: same endpoint as ipc.service_bus; each bus needs its own',
      '5:14 ipc.event_sub: unix socket path is N bytes',
    ]);
  });
});
