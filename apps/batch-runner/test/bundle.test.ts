// The runner bundled into one file (build.ts) is the runner: it registers, runs a sequence into the store,
// and finds what its modules find next to their sources (the migrations, the package checker's own
// sources: a manifest entry it caches is the one the sources read back).
import { Database } from 'bun:sqlite';
import { afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BusClient } from '@station/bus';
import { readCachedManifest } from '@station/sequence/package-cache';
import { spawnFixture, until } from '../../../tests/support/process.ts';
import { REPO, type TempStation, tempStation } from '../../../tests/support/station.ts';
import { runnerBundle } from '../build.ts';

setDefaultTimeout(60_000);

let st: TempStation | undefined;
let client: BusClient | undefined;
afterEach(async () => {
  client?.close();
  await st?.cleanup();
});

test('the bundled runner registers, runs a sequence and shares the package cache with the sources', async () => {
  const entry = await runnerBundle.entry();
  expect(entry).toEqual({ main: runnerBundle.bundle });
  expect(runnerBundle.isFresh()).toBe(true);
  expect(statSync(runnerBundle.bundle).size).toBeGreaterThan(0);

  st = tempStation({
    packages: [join(REPO, 'sequences/psu_functional')],
    batchesYaml: `
  - id: batch_1
    sequence_package: psu_functional
    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }
`,
  });
  await st.startBroker();
  client = new BusClient({ endpoint: st.ipc.serviceBus });
  const c = client;
  st.track(spawnFixture(runnerBundle.bundle, ['--config', st.configPath, '--batch', 'batch_1']));
  const status = await until(
    async () => {
      const s = await c.request('runner.batch_1', 'status', {}, { timeoutMs: 500 }).catch(() => undefined);
      return s?.state === 'ready' ? s : undefined;
    },
    'the bundled runner to be Ready',
    30_000,
    50,
  );
  const { executionId } = await c.request('runner.batch_1', 'sequence.start', {});
  const done = await until(
    () => {
      const db = new Database(st!.dbPath, { readonly: true });
      try {
        const row = db
          .query('SELECT status, overall_pass AS pass FROM executions WHERE id = ?')
          .get(executionId) as { status: string; pass: number } | null;
        return row && row.status !== 'running' ? row : undefined;
      } finally {
        db.close();
      }
    },
    'the run to end',
    30_000,
    50,
  );
  expect(done).toEqual({ status: 'completed', pass: 1 });
  // The entry the bundle wrote is found under the key the sources compute.
  const hash = status.package?.hash ?? '';
  expect(readdirSync(join(st.dataDir, 'cache', 'packages'))).toHaveLength(1);
  expect(readCachedManifest(join(st.dataDir, 'cache'), hash)?.manifest.name).toBe('psu_functional');
});
