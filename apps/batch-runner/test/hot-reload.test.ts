// Hot reload with real runner processes: a version installed while slot A runs and slot B idles is what
// B runs next and what A runs after its current run, which completes as the version it started with. The
// same for a pin or roll-back (the supervisor's SequencePins writing the real store), and a pin outlives
// the runner and the supervisor.
import { Database } from 'bun:sqlite';
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from 'bun:test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusClient } from '@station/bus';
import { parseConfig } from '@station/config';
import { openStore, type Store } from '@station/db';
import type { RunnerStatus } from '@station/model';
import { hashPackage } from '@station/sequence';
import { writeArchive } from '@station/sequence/archive';
import { installPackage } from '@station/sequence/install';
import { SequencePins } from '@station/sequence/pins';
import { spawnFixture, until } from '../../../tests/support/process.ts';
import { REPO, type TempStation, tempStation } from '../../../tests/support/station.ts';

setDefaultTimeout(60_000);

const RUNNER = join(REPO, 'apps/batch-runner/src/main.ts');
const PACKAGE = join(import.meta.dir, 'packages/runner_test');
const HARDWARE = '{ psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }';

let st: TempStation;
let client: BusClient;
let work: string;
let store: Store | undefined;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'hot-reload-'));
  st = tempStation({
    packages: [PACKAGE],
    batchesYaml: `
  - { id: slot_a, sequence_package: runner_test, hardware: ${HARDWARE} }
  - { id: slot_b, sequence_package: runner_test, hardware: ${HARDWARE} }
  - { id: slot_pinned, sequence_package: runner_test, sequence_version: 2.1.0, hardware: ${HARDWARE} }
`,
  });
});
afterEach(async () => {
  store?.close();
  store = undefined;
  client?.close();
  await st.cleanup();
  rmSync(work, { recursive: true, force: true });
});

async function startRunner(batchId: string) {
  const proc = st.track(spawnFixture(RUNNER, ['--config', st.configPath, '--batch', batchId]));
  await until(
    () => client.request(`runner.${batchId}`, 'health', {}, { timeoutMs: 500 }).catch(() => undefined),
    `runner.${batchId} to register`,
    20_000,
    50,
  );
  return proc;
}

/** The supervisor's pins on the station's store (a new one = a supervisor that restarted). */
function supervisorPins(): SequencePins {
  store?.close();
  store = openStore(st.dbPath);
  const config = parseConfig(readFileSync(st.configPath, 'utf8'), st.configPath);
  return new SequencePins({
    batches: config.batches,
    sequencesDir: st.sequencesDir,
    store,
    clock: { now: () => Date.now() },
    detail: async (batchId) => {
      const s = (await client.request(`runner.${batchId}`, 'status', {})) as RunnerStatus;
      return {
        id: batchId,
        name: batchId,
        status: 'running',
        sequenceRunning: s.state === 'running',
        sequencePackage: 'runner_test',
        autoStart: false,
        hardware: {},
        parameters: {},
        manualCommands: [],
        restarts: 0,
        ...(s.package ? { package: s.package } : {}),
      };
    },
  });
}

/** Resolves once the runner of `batchId` is in its wait step (mid-run). */
function inWaitStep(batchId: string) {
  return until(
    async () => {
      const s = (await client.request(`runner.${batchId}`, 'status', {})) as RunnerStatus;
      return s.execution?.currentStep === 'wait';
    },
    `${batchId} to reach its wait step`,
    20_000,
    50,
  );
}

/** runner_test at `version` with a marker in sequence.ts, as an archive's bytes. */
async function version(v: string): Promise<Uint8Array> {
  const dir = join(work, `runner_test-${v}`);
  cpSync(PACKAGE, dir, { recursive: true });
  const manifest = readFileSync(join(dir, 'manifest.yaml'), 'utf8');
  writeFileSync(join(dir, 'manifest.yaml'), manifest.replace(/^version: .*$/m, `version: ${v}`));
  writeFileSync(join(dir, 'sequence.ts'), `${readFileSync(join(dir, 'sequence.ts'), 'utf8')}\n// ${v}\n`);
  await writeArchive(dir, 'runner_test', join(work, `${v}.tgz`));
  return readFileSync(join(work, `${v}.tgz`));
}

function execution(id: string): { status: string; version: string; hash: string } {
  const db = new Database(st.dbPath, { readonly: true });
  try {
    const row = db
      .query('SELECT status, sequence_version AS version, package_hash AS hash FROM executions WHERE id = ?')
      .get(id) as { status: string; version: string; hash: string } | null;
    if (!row) throw new Error(`no execution ${id}`);
    return row;
  } finally {
    db.close();
  }
}

async function run(batchId: string, waitMs = 0): Promise<string> {
  const { executionId } = await client.request(`runner.${batchId}`, 'sequence.start', {
    parameters: { wait_ms: waitMs },
  });
  return executionId;
}

async function finished(id: string): Promise<{ status: string; version: string; hash: string }> {
  return until(
    () => {
      const e = execution(id);
      return e.status === 'running' ? undefined : e;
    },
    `${id} to finish`,
    30_000,
    50,
  );
}

test('an installed version reaches an idle slot at its next start and a running slot after its run', async () => {
  await st.startBroker();
  client = new BusClient({ endpoint: st.ipc.serviceBus });
  await startRunner('slot_a');
  await startRunner('slot_b');

  const first = await finished(await run('slot_b'));
  expect(first).toMatchObject({ status: 'completed', version: '2.1.0' });

  // Slot A is mid-run (its wait step holds) while 3.0.0 arrives.
  const running = await run('slot_a', 60_000);
  await until(
    async () => {
      const s = (await client.request('runner.slot_a', 'status', {})) as {
        execution?: { currentStep?: string };
      };
      return s.execution?.currentStep === 'wait';
    },
    'slot_a to reach its wait step',
    20_000,
    50,
  );
  const installed = await installPackage(st.sequencesDir, await version('3.0.0'));
  expect(installed.created).toBe(true);

  const next = await finished(await run('slot_b'));
  expect(next).toEqual({ status: 'completed', version: '3.0.0', hash: installed.version.hash });

  // A's run is untouched: still 2.1.0, and it ends as that version when aborted.
  expect(execution(running)).toMatchObject({ status: 'running', version: '2.1.0', hash: first.hash });
  await client.request('runner.slot_a', 'sequence.stop', {});
  expect((await finished(running)).version).toBe('2.1.0');

  const after = await finished(await run('slot_a'));
  expect(after).toEqual({ status: 'completed', version: '3.0.0', hash: installed.version.hash });
});

test('a slot pinned to an exact version keeps running it after a newer one is installed', async () => {
  await st.startBroker();
  client = new BusClient({ endpoint: st.ipc.serviceBus });
  await startRunner('slot_pinned');
  const installed = await installPackage(st.sequencesDir, await version('3.0.0'));
  expect(installed.created).toBe(true);
  const pinned = await finished(await run('slot_pinned'));
  expect(pinned).toMatchObject({ status: 'completed', version: '2.1.0' });
  expect(pinned.hash).not.toBe(installed.version.hash);
});

test('a pin or roll-back reaches an idle slot at its next start, a running one after its run, and outlives both processes', async () => {
  await st.startBroker();
  client = new BusClient({ endpoint: st.ipc.serviceBus });
  const folderHash = hashPackage(join(st.sequencesDir, 'runner_test'));
  const installed = await installPackage(st.sequencesDir, await version('3.0.0'));
  await startRunner('slot_a');
  const runnerB = await startRunner('slot_b');
  expect(await finished(await run('slot_b'))).toEqual({
    status: 'completed',
    version: '3.0.0',
    hash: installed.version.hash,
  });

  // A is mid-run on 3.0.0 when both slots are rolled back to 2.1.0.
  const running = await run('slot_a', 60_000);
  await inWaitStep('slot_a');
  const pins = supervisorPins();
  const pinnedA = await pins.pin('slot_a', '2.1.0', 'test-engineering');
  expect(pinnedA).toMatchObject({
    rule: '2.1.0',
    source: 'pin',
    next: { version: '2.1.0', hash: folderHash },
    loaded: { version: '3.0.0', hash: installed.version.hash },
    sequenceRunning: true,
  });
  await pins.pin('slot_b', '2.1.0', 'test-engineering');

  expect(await finished(await run('slot_b'))).toEqual({
    status: 'completed',
    version: '2.1.0',
    hash: folderHash,
  });
  // A's run is untouched: it ends as the 3.0.0 it started as; its next run is the pinned 2.1.0.
  expect(execution(running)).toMatchObject({ status: 'running', version: '3.0.0' });
  await client.request('runner.slot_a', 'sequence.stop', {});
  expect((await finished(running)).version).toBe('3.0.0');
  expect(await finished(await run('slot_a'))).toEqual({
    status: 'completed',
    version: '2.1.0',
    hash: folderHash,
  });

  // Forward again on A only: `latest` is 3.0.0; B keeps its pin.
  await pins.pin('slot_a', 'latest', 'test-engineering');
  expect((await finished(await run('slot_a'))).version).toBe('3.0.0');
  expect((await finished(await run('slot_b'))).version).toBe('2.1.0');

  // B's runner and the supervisor both restart: the pin is in the store, so B still runs 2.1.0.
  await runnerB.kill('SIGKILL');
  await startRunner('slot_b');
  expect(await supervisorPins().version('slot_b')).toMatchObject({
    rule: '2.1.0',
    source: 'pin',
    pinnedBy: 'test-engineering',
    loaded: { version: '2.1.0', hash: folderHash },
  });
  expect(await finished(await run('slot_b'))).toEqual({
    status: 'completed',
    version: '2.1.0',
    hash: folderHash,
  });
});
