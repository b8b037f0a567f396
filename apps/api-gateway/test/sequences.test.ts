// /api/sequences on real packages in a temp sequences_dir, and names that try to leave it.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sequenceCatalog } from '../src/sequences.ts';
import type { SequenceCatalog } from '../src/types.ts';
import { type Harness, harness, json } from './support.ts';

const REPO_SEQUENCES = join(import.meta.dir, '../../../sequences');

let h: Harness;
let outside: string;
let asked: string[];

beforeEach(async () => {
  outside = mkdtempSync(join(tmpdir(), 'gw-outside-'));
  cpSync(join(REPO_SEQUENCES, 'psu_functional'), join(outside, 'escaped'), { recursive: true });
  asked = [];
  let catalog: SequenceCatalog | undefined;
  // The real catalog, wrapped to record which names reached the file system.
  const spy: SequenceCatalog = {
    list: () => catalog!.list(),
    get: (name) => {
      asked.push(name);
      return catalog!.get(name);
    },
    asset: (name, path) => catalog!.asset(name, path),
    install: (archive) => catalog!.install(archive),
    versions: (name) => catalog!.versions(name),
  };
  h = await harness({ sequences: spy });
  const dir = h.config.paths.sequences_dir;
  catalog = sequenceCatalog(dir);
  cpSync(join(REPO_SEQUENCES, 'psu_functional'), join(dir, 'psu_functional'), { recursive: true });
  mkdirSync(join(dir, 'broken'));
  writeFileSync(join(dir, 'broken', 'manifest.yaml'), 'name: broken\nversion: 1.0.0\nsteps: 7\n');
  symlinkSync(join(outside, 'escaped'), join(dir, 'escaped'));
});
afterEach(async () => {
  await h[Symbol.asyncDispose]();
  rmSync(outside, { recursive: true, force: true });
});

describe('GET /api/sequences', () => {
  test('every package with valid or its problems', async () => {
    const { status, body } = await json(h.req('GET', '/api/sequences'));
    expect(status).toBe(200);
    const list = body as {
      name: string;
      valid: boolean;
      version: string | null;
      hash: string | null;
      problems: unknown[];
    }[];
    expect(list.map((p) => [p.name, p.valid])).toEqual([
      ['broken', false],
      ['escaped', false],
      ['psu_functional', true],
    ]);
    const psu = list.find((p) => p.name === 'psu_functional')!;
    expect(psu.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(psu.problems).toEqual([]);
    expect(list.find((p) => p.name === 'broken')!.problems.length).toBeGreaterThan(0);
  });
});

describe('GET /api/sequences/:name', () => {
  test('a valid package: manifest with steps, parameters, hardware, measurements, and hash', async () => {
    const { status, body } = await json(h.req('GET', '/api/sequences/psu_functional'));
    expect(status).toBe(200);
    const detail = body as {
      name: string;
      valid: boolean;
      hash: string;
      manifest: {
        name: string;
        steps: { name: string; measurements?: unknown[] }[];
        parameters: object;
        hardware: object;
      };
    };
    expect(detail.name).toBe('psu_functional');
    expect(detail.valid).toBe(true);
    expect(detail.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.manifest.name).toBe('psu_functional');
    expect(detail.manifest.steps.length).toBeGreaterThan(0);
    expect(Object.keys(detail.manifest.parameters).length).toBeGreaterThan(0);
    expect(Object.keys(detail.manifest.hardware).length).toBeGreaterThan(0);
  });

  test('a package whose parameter can reach a step timeout loads, with the warning', async () => {
    const dir = join(h.config.paths.sequences_dir, 'slow_settle');
    cpSync(join(REPO_SEQUENCES, 'psu_functional'), dir, { recursive: true });
    const manifest = readFileSync(join(dir, 'manifest.yaml'), 'utf8')
      .replace('name: psu_functional', 'name: slow_settle')
      .replace('max: 2000', 'max: 5000');
    writeFileSync(join(dir, 'manifest.yaml'), manifest);
    const { status, body } = await json(h.req('GET', '/api/sequences/slow_settle'));
    expect(status).toBe(200);
    const detail = body as {
      valid: boolean;
      problems: unknown[];
      warnings: { code: string; path: string }[];
    };
    expect([detail.valid, detail.problems]).toEqual([true, []]);
    expect(detail.warnings.map((w) => [w.code, w.path])).toEqual([
      ['TIMEOUT_REACHABLE', 'parameters.settle_ms.max'],
    ]);
    const listed = (
      (await json(h.req('GET', '/api/sequences'))).body as { name: string; warnings: unknown[] }[]
    ).find((p) => p.name === 'slow_settle');
    expect(listed?.warnings).toEqual(detail.warnings);
    // The shipped example itself has none.
    const psu = (await json(h.req('GET', '/api/sequences/psu_functional'))).body as { warnings: unknown[] };
    expect(psu.warnings).toEqual([]);
  });

  test('an invalid package answers its problems', async () => {
    const { status, body } = await json(h.req('GET', '/api/sequences/broken'));
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: 'broken', valid: false, hash: null, manifest: null });
    expect((body as { problems: unknown[] }).problems.length).toBeGreaterThan(0);
  });

  test('a missing package is 404', async () => {
    expect(await json(h.req('GET', '/api/sequences/nope'))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no sequence package "nope"' } },
    });
  });

  test('a symlink leading out of sequences_dir is 400', async () => {
    const { status, body } = await json(h.req('GET', '/api/sequences/escaped'));
    expect(status).toBe(400);
    expect((body as { error: { code: string } }).error.code).toBe('INVALID_NAME');
  });

  test.each(['..', '.', '%2e%2e', '..%2F', '.%2e'])(
    'dot segment %s is resolved by URL parsing and never names a package',
    async (name) => {
      await h.req('GET', `/api/sequences/${name}`);
      expect(asked).toEqual([]);
    },
  );

  test('a name off the package-name rule is 400 INVALID_NAME saying the rule, before any file is read', async () => {
    expect(await json(h.req('GET', '/api/sequences/psu.functional'))).toEqual({
      status: 400,
      body: {
        error: {
          code: 'INVALID_NAME',
          message: 'a sequence package name is 1-64 letters, digits, "_" or "-"',
          details: { name: 'psu.functional', expected: '1-64 letters, digits, "_" or "-"' },
        },
      },
    });
    expect(asked).toEqual([]);
  });

  test.each([
    '..%2F..%2Fetc%2Fpasswd',
    '%2Fetc%2Fpasswd',
    'a%2Fb',
    '..%5C..%5Cwindows',
    'psu_functional%00',
    'x'.repeat(200),
    'x'.repeat(65),
    'name%20with%20space',
  ])('traversal attempt %s is 400 and never reaches the file system', async (name) => {
    const { status, body } = await json(h.req('GET', `/api/sequences/${name}`));
    expect(status).toBe(400);
    expect((body as { error: { code: string } }).error.code).toBe('INVALID_NAME');
    expect(asked).toEqual([]);
  });
});
