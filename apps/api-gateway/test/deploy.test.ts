// POST /api/sequences and GET /api/sequences/{name} versions, over a listening gateway with the real
// catalog on a temp sequences_dir: archives as `station package` writes them, and hand-made ones that try
// to leave the folder, carry links, or are no archive at all.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArchive } from '@station/sequence/archive';
import { sequenceCatalog } from '../src/sequences.ts';
import { listen, type RunningGateway } from '../src/server.ts';
import type { SequenceCatalog } from '../src/types.ts';
import { type Harness, harness, PushEvents } from './support.ts';

const REPO_PSU = join(import.meta.dir, '../../../sequences/psu_functional');
const KEYS = { operator: 'k-operator', engineer: 'k-engineer' };
const YAML = `
station: { id: station-t, name: Test Station }
server:
  auth:
    enabled: true
    api_keys:
      - { key: ${KEYS.operator}, role: operator }
      - { key: ${KEYS.engineer}, role: engineer }
paths: { data_dir: ./data, sequences_dir: ./sequences }
batches:
  - { id: batch_1, sequence_package: psu_functional }
`;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let h: Harness;
let server: RunningGateway;
let work: string;
let base: string;
let sequencesDir: string;

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), 'gw-deploy-'));
  let catalog: SequenceCatalog | undefined;
  const late: SequenceCatalog = {
    list: () => catalog!.list(),
    get: (name) => catalog!.get(name),
    asset: (name, path) => catalog!.asset(name, path),
    install: (archive) => catalog!.install(archive),
    versions: (name) => catalog!.versions(name),
  };
  h = await harness({ yaml: YAML, sequences: late });
  h.bus.on('supervisor', 'batch.list', () => []);
  sequencesDir = h.config.paths.sequences_dir;
  catalog = sequenceCatalog(sequencesDir);
  server = listen(h.gw, { hostname: '127.0.0.1', port: 0, events: new PushEvents(), log: quiet });
  base = `http://127.0.0.1:${server.port}`;
});
afterEach(async () => {
  await server.stop(2000);
  await h[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

/** A copy of psu_functional at `version`, with `edit` applied to sequence.ts; its archive's bytes. */
async function psuArchive(version: string, edit: (src: string) => string = (s) => s): Promise<Uint8Array> {
  const dir = join(work, `psu-${version}-${Math.random().toString(36).slice(2)}`);
  cpSync(REPO_PSU, dir, { recursive: true });
  const manifest = readFileSync(join(dir, 'manifest.yaml'), 'utf8');
  writeFileSync(join(dir, 'manifest.yaml'), manifest.replace(/^version: .*$/m, `version: ${version}`));
  writeFileSync(join(dir, 'sequence.ts'), edit(readFileSync(join(dir, 'sequence.ts'), 'utf8')));
  const file = join(dir, '..', `${dir.split('/').pop()}.tgz`);
  await writeArchive(dir, 'psu_functional', file);
  return readFileSync(file);
}

/** One ustar entry: type '0' file, '2' symlink, '5' folder, '3' character device. */
interface Entry {
  path: string;
  type?: '0' | '2' | '3' | '5';
  body?: string;
  link?: string;
}

/** A gzipped tar written by hand, for entries no well-behaved packer makes. */
function rawTgz(entries: Entry[]): Uint8Array {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const header = Buffer.alloc(512);
    const put = (text: string, at: number, len: number) => header.write(text, at, len, 'ascii');
    put(e.path, 0, 100);
    put('0000644\0', 100, 8);
    put('0000000\0', 108, 8);
    put('0000000\0', 116, 8);
    put(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 12);
    put('00000000000\0', 136, 12);
    put('        ', 148, 8);
    put(e.type ?? '0', 156, 1);
    put(e.link ?? '', 157, 100);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    let sum = 0;
    for (const b of header) sum += b;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Bun.gzipSync(Buffer.concat(blocks));
}

/** The fields these tests read of a reply: an installed version, a package detail, or an error. */
interface Reply {
  status: number;
  body: {
    created: boolean;
    name: string;
    version: string;
    hash: string;
    installedAt: string;
    valid: boolean;
    versions: { name: string; version: string; hash: string; installedAt: string; source: string }[];
    error: {
      code: string;
      message: string;
      details: {
        installedHash: string;
        hash: string;
        problems: { file: string; line?: number; message: string }[];
      };
    };
  };
}

async function upload(
  bytes: Uint8Array,
  key: string | null = KEYS.engineer,
  type = 'application/gzip',
): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': type };
  if (key) headers['x-api-key'] = key;
  const res = await fetch(`${base}/api/sequences`, { method: 'POST', headers, body: Buffer.from(bytes) });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

async function detail(name: string): Promise<Reply> {
  const res = await fetch(`${base}/api/sequences/${name}`, { headers: { 'x-api-key': KEYS.operator } });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

/** What is on disk under sequences_dir, apart from the empty incoming folder. */
function installedTree(): string[] {
  const root = join(sequencesDir, '.installed');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true })
    .map(String)
    .filter((p) => !p.startsWith('.incoming'))
    .sort();
}

describe('POST /api/sequences', () => {
  test('installs a package archive; GET lists it with its hash and install time; the same bytes again change nothing', async () => {
    const archive = await psuArchive('1.1.0');
    const first = await upload(archive);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      created: true,
      name: 'psu_functional',
      version: '1.1.0',
      source: 'installed',
      installedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(first.body.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(sequencesDir, '.installed/psu_functional/1.1.0/sequence.ts'))).toBe(true);

    const again = await upload(archive, KEYS.engineer, 'application/octet-stream');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, version: '1.1.0', hash: first.body.hash });

    const got = await detail('psu_functional');
    expect(got.status).toBe(200);
    expect(got.body.version).toBe('1.1.0');
    expect(got.body.valid).toBe(true);
    expect(got.body.versions).toEqual([
      {
        name: 'psu_functional',
        version: '1.1.0',
        hash: first.body.hash,
        installedAt: first.body.installedAt,
        source: 'installed',
      },
    ]);
    const list = (await (
      await fetch(`${base}/api/sequences`, { headers: { 'x-api-key': KEYS.operator } })
    ).json()) as { name: string; version: string }[];
    expect(list).toEqual([expect.objectContaining({ name: 'psu_functional', version: '1.1.0' })]);
  });

  test('versions sit side by side with the plain folder, newest first; the detail is the newest', async () => {
    cpSync(REPO_PSU, join(sequencesDir, 'psu_functional'), { recursive: true });
    expect((await upload(await psuArchive('2.0.0'))).status).toBe(201);
    expect((await upload(await psuArchive('1.5.0'))).status).toBe(201);
    const got = await detail('psu_functional');
    expect(got.body.version).toBe('2.0.0');
    expect(got.body.versions.map((v) => [v.version, v.source])).toEqual([
      ['2.0.0', 'installed'],
      ['1.5.0', 'installed'],
      ['1.0.0', 'folder'],
    ]);
    // The plain folder is untouched.
    expect(readFileSync(join(sequencesDir, 'psu_functional/manifest.yaml'), 'utf8')).toBe(
      readFileSync(join(REPO_PSU, 'manifest.yaml'), 'utf8'),
    );
  });

  test('the same version with other content is refused with 409 naming the installed hash; the installed one stays', async () => {
    const first = await upload(await psuArchive('1.1.0'));
    const before = readFileSync(join(sequencesDir, '.installed/psu_functional/1.1.0/sequence.ts'), 'utf8');
    const other = await upload(await psuArchive('1.1.0', (s) => `${s}\n// changed\n`));
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('VERSION_TAKEN');
    expect(other.body.error.message).toContain(first.body.hash);
    expect(other.body.error.details.installedHash).toBe(first.body.hash);
    expect(other.body.error.details.hash).not.toBe(first.body.hash);
    expect(readFileSync(join(sequencesDir, '.installed/psu_functional/1.1.0/sequence.ts'), 'utf8')).toBe(
      before,
    );
  });

  test('the plain folder holds a version too: the same number with other content is refused', async () => {
    cpSync(REPO_PSU, join(sequencesDir, 'psu_functional'), { recursive: true });
    const other = await upload(await psuArchive('1.0.0', (s) => `${s}\n// changed\n`));
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('VERSION_TAKEN');
    expect(installedTree()).toEqual([]);
  });

  test('an invalid package is refused with 422 and every problem, located; nothing is installed', async () => {
    const bytes = rawTgz([
      { path: 'psu_functional/', type: '5' },
      {
        path: 'psu_functional/manifest.yaml',
        body: 'name: psu_functional\nversion: 1.2.0\nsteps:\n  - name: nope\n    timeout: soon\n',
      },
    ]);
    const res = await upload(bytes);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('INVALID_PACKAGE');
    const problems = res.body.error.details.problems;
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.map((p) => p.file)).toContain('sequence.ts');
    expect(problems.find((p) => p.file === 'manifest.yaml' && p.line === 5)).toBeDefined();
    expect(installedTree()).toEqual([]);
  });

  test('bytes that are no archive are a 400 BAD_ARCHIVE', async () => {
    const res = await upload(new TextEncoder().encode('not a tarball at all'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_ARCHIVE');
    expect(res.body.error.message).toContain('not a gzipped tar archive');
    const truncated = (await psuArchive('1.1.0')).slice(0, 200);
    expect((await upload(truncated)).body.error.code).toBe('BAD_ARCHIVE');
    expect(installedTree()).toEqual([]);
  });

  test.each([
    ['a path with ..', [{ path: 'psu_functional/../../escaped.ts', body: 'x' }], 'leaves its folder'],
    ['an absolute path', [{ path: '/tmp/escaped.ts', body: 'x' }], 'is an absolute path'],
    [
      'a symlink',
      [{ path: 'psu_functional/sequence.ts', type: '2' as const, link: '/etc/passwd' }],
      'is a SymbolicLink',
    ],
    ['a device', [{ path: 'psu_functional/tty', type: '3' as const }], 'is a CharacterDevice'],
    [
      'two top folders',
      [
        { path: 'a/manifest.yaml', body: 'x' },
        { path: 'b/manifest.yaml', body: 'x' },
      ],
      'must hold one folder',
    ],
  ])('an archive with %s is refused before anything is written', async (_, entries, message) => {
    const res = await upload(rawTgz(entries));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_ARCHIVE');
    expect(res.body.error.message).toContain(message);
    expect(existsSync(join(work, 'escaped.ts'))).toBe(false);
    expect(existsSync('/tmp/escaped.ts')).toBe(false);
    expect(installedTree()).toEqual([]);
    expect(readdirSync(join(sequencesDir, '.installed/.incoming'))).toEqual([]);
  });

  test('an operator may not install (403), an engineer may; no credential is 401', async () => {
    const archive = await psuArchive('1.1.0');
    const operator = await upload(archive, KEYS.operator);
    expect(operator.status).toBe(403);
    expect(operator.body.error.code).toBe('FORBIDDEN');
    expect((await upload(archive, null)).status).toBe(401);
    expect(installedTree()).toEqual([]);
    expect((await upload(archive, KEYS.engineer)).status).toBe(201);
  });

  test('a JSON body is 415: the route takes the archive itself', async () => {
    const res = await upload(new TextEncoder().encode('{}'), KEYS.engineer, 'application/json');
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
