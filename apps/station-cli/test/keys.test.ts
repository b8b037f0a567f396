// `station keys generate`: a key pair in libzmq's key file text, the secret file 0600, never overwritten
// by accident, and readable back by the station (and by zeromq.js's libzmq, which the interop tests use).
import { expect, test } from 'bun:test';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { curvePublicKey, parseKeyFile } from '@station/zmtp';
import { station, tempDir } from './station.ts';

test('generate --out PATH writes PATH.key (public) and PATH.key_secret (0600) that belong together', async () => {
  using tmp = tempDir();
  const r = await station(['keys', 'generate', '--out', 'keys/rack-pc'], tmp.dir);
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  const publicFile = join(tmp.dir, 'keys/rack-pc.key');
  const secretFile = join(tmp.dir, 'keys/rack-pc.key_secret');
  const pub = parseKeyFile(readFileSync(publicFile, 'utf8'));
  const secret = parseKeyFile(readFileSync(secretFile, 'utf8'));
  expect(pub.secretKey).toBeUndefined();
  expect(secret.publicKey).toBe(pub.publicKey);
  expect(curvePublicKey(secret.secretKey!)).toBe(pub.publicKey);
  expect(statSync(secretFile).mode & 0o777).toBe(0o600);
  expect(r.out).toContain(`public key  ${pub.publicKey}`);
  expect(readFileSync(secretFile, 'utf8')).toMatch(
    /^curve\n {4}public-key = "[^"]{40}"\n {4}secret-key = "[^"]{40}"$/m,
  );
});

test('generate --out DIR names the files after this host; existing keys need --force', async () => {
  using tmp = tempDir();
  mkdirSync(join(tmp.dir, 'keys'));
  const first = await station(['keys', 'generate', '--out', 'keys'], tmp.dir);
  expect(first.code).toBe(0);
  const name = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
  const secretFile = join(tmp.dir, 'keys', `${name}.key_secret`);
  const before = readFileSync(secretFile, 'utf8');
  const again = await station(['keys', 'generate', '--out', 'keys'], tmp.dir);
  expect({ code: again.code, out: again.out }).toEqual({ code: 1, out: '' });
  expect(again.err).toContain('never overwritten without --force');
  expect(readFileSync(secretFile, 'utf8')).toBe(before);
  // An existing secret file with loose permissions is tightened when overwritten.
  writeFileSync(secretFile, before, { mode: 0o644 });
  const forced = await station(['keys', 'generate', '--out', 'keys', '--force'], tmp.dir);
  expect(forced.code).toBe(0);
  expect(readFileSync(secretFile, 'utf8')).not.toBe(before);
  expect(statSync(secretFile).mode & 0o777).toBe(0o600);
});

test('an unknown action is a usage error (exit 2)', async () => {
  using tmp = tempDir();
  const r = await station(['keys', 'rotate'], tmp.dir);
  expect(r.code).toBe(2);
  expect(r.err).toContain('generate');
});
