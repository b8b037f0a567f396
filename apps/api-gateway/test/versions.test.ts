// GET and POST /api/batches/{id}/sequence/version through the gateway, answered by the supervisor's real
// SequencePins (its replies and errors carried the way the bus worker carries them) on a real store and a
// sequences_dir holding the plain folder 1.0.0 and installed 1.1.0 and 2.0.0.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromErrorBody, toErrorBody } from '@station/bus/errors';
import { hashPackage } from '@station/sequence';
import { writeArchive } from '@station/sequence/archive';
import { installPackage } from '@station/sequence/install';
import { SequencePins } from '@station/sequence/pins';
import { type Harness, harness, json } from './support.ts';

const REPO_PSU = join(import.meta.dir, '../../../sequences/psu_functional');
const KEYS = { operator: 'k-operator', engineer: 'k-engineer' };
const YAML = `
station: { id: station-t, name: Test Station }
server:
  auth:
    enabled: true
    api_keys:
      - { key: ${KEYS.operator}, role: operator, name: line-pc }
      - { key: ${KEYS.engineer}, role: engineer, name: test-engineering }
paths: { data_dir: ./data, sequences_dir: ./sequences }
batches:
  - { id: batch_1, sequence_package: psu_functional }
  - { id: batch_2, sequence_package: psu_functional, sequence_version: 1.1.0 }
`;
const PINNED_AT = '2026-12-02T10:00:00.000Z';
const PATH = '/api/batches/batch_1/sequence/version';

let h: Harness;
let work: string;
const hash: Record<string, string> = {};
/** What the fake supervisor's batch.get says batch_1's runner has loaded. */
let loaded = { version: '1.0.0', running: false };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gw-versions-'));
  h = await harness({ yaml: YAML });
  const sequencesDir = h.config.paths.sequences_dir;
  cpSync(REPO_PSU, join(sequencesDir, 'psu_functional'), { recursive: true });
  hash['1.0.0'] = hashPackage(join(sequencesDir, 'psu_functional'));
  for (const v of ['1.1.0', '2.0.0']) {
    const dir = join(work, v);
    cpSync(REPO_PSU, dir, { recursive: true });
    const manifest = readFileSync(join(dir, 'manifest.yaml'), 'utf8');
    writeFileSync(join(dir, 'manifest.yaml'), manifest.replace(/^version: .*$/m, `version: ${v}`));
    await writeArchive(dir, 'psu_functional', join(work, `${v}.tgz`));
    hash[v] = (await installPackage(sequencesDir, readFileSync(join(work, `${v}.tgz`)))).version.hash;
  }
  const pins = new SequencePins({
    batches: h.config.batches,
    sequencesDir,
    store: h.store,
    clock: { now: () => Date.parse(PINNED_AT) },
    detail: async (batchId) => ({
      id: batchId,
      name: batchId,
      status: 'running',
      sequenceRunning: loaded.running,
      sequencePackage: 'psu_functional',
      autoStart: false,
      hardware: {},
      parameters: {},
      manualCommands: [],
      restarts: 0,
      package: { name: 'psu_functional', version: loaded.version, hash: hash[loaded.version] },
    }),
  });
  // As the bus worker does: a handler's exposed error reaches the caller as code, message and details.
  const wire = async (fn: () => Promise<unknown>) => {
    try {
      return await fn();
    } catch (err) {
      throw fromErrorBody(toErrorBody(err).body, 'supervisor', 'test');
    }
  };
  h.bus.on('supervisor', 'batch.version', (body) =>
    wire(() => pins.version((body as { batchId: string }).batchId)),
  );
  h.bus.on('supervisor', 'batch.pin', (body) => {
    const { batchId, version, pinnedBy } = body as { batchId: string; version: string; pinnedBy: string };
    return wire(() => pins.pin(batchId, version, pinnedBy));
  });
});
afterAll(async () => {
  await h[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  loaded = { version: '1.0.0', running: false };
  h.store.sqlite.run('DELETE FROM sequence_pins');
});

const as = (key: string) => ({ headers: { 'x-api-key': key } });
const read = (path = PATH) => json(h.req('GET', path, as(KEYS.operator)));
const pin = (body: unknown, key = KEYS.engineer, path = PATH) =>
  json(h.req('POST', path, { ...as(key), body }));

describe('GET /api/batches/{id}/sequence/version', () => {
  test("without a pin: station.yaml's rule, the version it picks next and what the runner has loaded", async () => {
    expect(await read()).toEqual({
      status: 200,
      body: {
        batchId: 'batch_1',
        sequence: 'psu_functional',
        rule: 'latest',
        source: 'config',
        next: { version: '2.0.0', hash: hash['2.0.0'] },
        loaded: { version: '1.0.0', hash: hash['1.0.0'] },
        sequenceRunning: false,
      },
    });
    expect((await read('/api/batches/batch_2/sequence/version')).body).toMatchObject({
      rule: '1.1.0',
      source: 'config',
      next: { version: '1.1.0', hash: hash['1.1.0'] },
    });
  });
});

describe('POST /api/batches/{id}/sequence/version', () => {
  test('an engineer pins a version, rolls back to an older one and forward to latest; each is what GET says', async () => {
    const pinned = await pin({ version: '1.1.0' });
    const expected = {
      batchId: 'batch_1',
      sequence: 'psu_functional',
      rule: '1.1.0',
      source: 'pin',
      pinnedAt: PINNED_AT,
      pinnedBy: 'test-engineering',
      next: { version: '1.1.0', hash: hash['1.1.0'] },
      loaded: { version: '1.0.0', hash: hash['1.0.0'] },
      sequenceRunning: false,
    };
    expect(pinned).toEqual({ status: 200, body: expected });
    expect(await read()).toEqual({ status: 200, body: expected });

    // Back to the plain folder's 1.0.0, then forward again: `latest` is a pin too (it outranks station.yaml).
    expect((await pin({ version: '1.0.0' })).body).toMatchObject({
      rule: '1.0.0',
      next: { version: '1.0.0', hash: hash['1.0.0'] },
    });
    expect(
      (await pin({ version: 'latest' }, KEYS.engineer, '/api/batches/batch_2/sequence/version')).body,
    ).toMatchObject({ rule: 'latest', source: 'pin', next: { version: '2.0.0', hash: hash['2.0.0'] } });
  });

  test('pinning during a run answers at once; the run keeps its version (loaded), the pin waits as next', async () => {
    loaded = { version: '2.0.0', running: true };
    expect((await pin({ version: '1.1.0' })).body).toMatchObject({
      sequenceRunning: true,
      loaded: { version: '2.0.0', hash: hash['2.0.0'] },
      next: { version: '1.1.0', hash: hash['1.1.0'] },
    });
  });

  test('a version that is not installed is 422 VERSION_NOT_INSTALLED naming the installed ones; nothing is pinned', async () => {
    expect(await pin({ version: '3.0.0' })).toEqual({
      status: 422,
      body: {
        error: {
          code: 'VERSION_NOT_INSTALLED',
          message: 'sequence package "psu_functional" has no version 3.0.0 (installed: 2.0.0, 1.1.0, 1.0.0)',
          details: {
            batchId: 'batch_1',
            name: 'psu_functional',
            version: '3.0.0',
            installed: ['2.0.0', '1.1.0', '1.0.0'],
          },
        },
      },
    });
    expect((await read()).body).toMatchObject({ rule: 'latest', source: 'config' });
  });

  test('an unknown batch is 404 NOT_FOUND, and an id that cannot name one never reaches the supervisor', async () => {
    expect(await pin({ version: '1.1.0' }, KEYS.engineer, '/api/batches/batch_9/sequence/version')).toEqual({
      status: 404,
      body: {
        error: {
          code: 'NOT_FOUND',
          message: 'no batch "batch_9" on this station',
          details: { batchId: 'batch_9', batches: ['batch_1', 'batch_2'] },
        },
      },
    });
    const calls = h.bus.calls.length;
    expect(await pin({ version: '1.1.0' }, KEYS.engineer, '/api/batches/a.b/sequence/version')).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no batch "a.b"' } },
    });
    expect(h.bus.calls.length).toBe(calls);
  });

  test('an operator may read but not pin: 403 FORBIDDEN naming the role needed', async () => {
    expect(await pin({ version: '1.1.0' }, KEYS.operator)).toEqual({
      status: 403,
      body: {
        error: {
          code: 'FORBIDDEN',
          message:
            'POST /api/batches/:id/sequence/version needs role engineer or higher; line-pc has role operator',
          details: { needed: 'engineer', role: 'operator' },
        },
      },
    });
    expect((await read()).body).toMatchObject({ source: 'config' });
  });

  test.each([
    ['a name that is no version', { version: 'newest' }, '/version'],
    ['a version with a leading v', { version: 'v1.1.0' }, '/version'],
    ['no version', {}, '/version'],
    ['a number', { version: 1 }, '/version'],
  ])('%s is 422 BAD_REQUEST at /version', async (_what, body, path) => {
    const res = await pin(body);
    expect(res.status).toBe(422);
    const error = (res.body as { error: { code: string; details: { errors: { path: string }[] } } }).error;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.details.errors.map((e) => e.path)).toContain(path);
    expect((await read()).body).toMatchObject({ source: 'config' });
  });
});
