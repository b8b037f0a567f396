// Test helpers: temporary sequences folders with packages written from strings, and hand-built packages
// for engine tests that need exact control over steps.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { LoadedPackage } from '../src/loader.ts';
import type { Manifest, StepSpec } from '../src/manifest-schema.ts';
import type { Driver, StepFunction } from '../src/sdk.ts';

/** A temporary sequences dir; `remove()` deletes it. */
export function tempSequencesDir(): { dir: string; remove(): void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'station-seq-')));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `files` (relative path -> text) into `root/name` and returns the package folder. */
export function writePackage(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** A minimal valid manifest for package `name` with steps `a` and `b`. */
export function manifestText(name: string, extra = ''): string {
  return `name: ${name}\nversion: 1.0.0\ndescription: test\n${extra}steps:\n  - name: a\n  - name: b\n`;
}

/** The matching sequence.ts. */
export const TWO_STEPS = 'export async function a() {}\nexport async function b() {}\n';

/** A step for `fakePackage`: its spec fields plus the function. */
export type FakeStep = Partial<StepSpec> & { name: string; fn: StepFunction };

/** A LoadedPackage built in memory: no files, exact control over each step. */
export function fakePackage(
  steps: FakeStep[],
  hardware: Manifest['hardware'] = {},
  dut: Manifest['dut'] = { serial: 'optional' },
): LoadedPackage {
  const manifest: Manifest = {
    name: 'fake',
    version: '1.2.3',
    description: '',
    parameters: {},
    hardware,
    dut,
    steps: steps.map(({ fn: _fn, ...s }) => ({
      timeoutMs: 5000,
      retries: 0,
      retryDelayMs: 0,
      cleanup: false,
      measurements: [],
      ...s,
    })),
  };
  return {
    manifest,
    dir: '/nonexistent/fake',
    hash: 'f'.repeat(64),
    steps: Object.fromEntries(steps.map((s) => [s.name, s.fn])),
    drivers: {},
  };
}

/** A driver that counts safeState() calls and whose `fail` command throws. */
export function fakeDriver(): Driver & { safeStates: number } {
  const d = {
    safeStates: 0,
    connect() {},
    disconnect() {},
    safeState() {
      d.safeStates++;
    },
    commands: {
      ping: { description: 'answers pong', params: {}, run: () => 'pong' },
      fail: {
        description: 'always fails',
        params: {},
        run: () => {
          throw new Error('instrument did not answer');
        },
      },
    },
  };
  return d;
}

/** A clock that advances `stepMs` on every read, starting at `start`. */
export function steppingClock(start = '2026-01-01T00:00:00.000Z', stepMs = 100) {
  let t = Date.parse(start);
  return { now: () => (t += stepMs) };
}

/** ISO time `ms` after 2026-01-01T00:00:00Z. */
export function at(ms: number): string {
  return new Date(Date.parse('2026-01-01T00:00:00.000Z') + ms).toISOString();
}
