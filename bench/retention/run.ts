// Soak of the disk bounds: 100,000 generated executions (5 steps, 2 measurements each) arrive over 200
// simulated days, 500 a day; the Backend acknowledges each day's results; the sync agent's retention pass
// runs once a simulated day with keep_results_days 90; every execution also writes 10 log lines through
// the station's logger (max_file_mb 1, keep_files 3). Prints, every 20 days and at the end, the store's
// size on disk (file + WAL), the rows kept and the logs folder's size: both must level off, not grow.
// Run: `bun bench/retention/run.ts [executions] [perDay]`.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Retention } from '../../apps/sync-agent/src/retention.ts';
import { openStore, writeTransaction } from '../../packages/db/src/index.ts';
import { closeLogs, createLogger } from '../../packages/log/src/index.ts';

const TOTAL = Number(process.argv[2] ?? 100_000);
const PER_DAY = Number(process.argv[3] ?? 500);
const KEEP_DAYS = 90;
const DAY = 24 * 3600_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

const dir = mkdtempSync(join(tmpdir(), 'bench-retention-'));
const logsDir = join(dir, 'logs');
const store = openStore(join(dir, 'station.db'));
const log = createLogger({
  service: 'bench',
  logsDir,
  maxFileBytes: 1024 * 1024,
  keepFiles: 3,
  stdout: false,
});
const quiet = createLogger({ service: 'bench-retention', level: 'silent', stdout: false });
let now = T0;
const retention = new Retention({
  store,
  keepResultsMs: KEEP_DAYS * DAY,
  logger: quiet,
  clock: { now: () => now },
  pauseMs: 0,
});

const sizeOf = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
const storeBytes = () => sizeOf(store.path) + sizeOf(`${store.path}-wal`);
const logsBytes = () => readdirSync(logsDir).reduce((n, f) => n + sizeOf(join(logsDir, f)), 0);
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const count = (table: string) =>
  (store.sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

let made = 0;
let deleted = 0;
let peakStore = 0;
const t0 = performance.now();
console.log('day  executions  kept  store MB  logs MB');
for (let day = 0; made < TOTAL; day++) {
  now = T0 + day * DAY;
  const today = Math.min(PER_DAY, TOTAL - made);
  writeTransaction(store, () => {
    for (let i = 0; i < today; i++) {
      const id = `exec_${String(made + i).padStart(8, '0')}`;
      const at = now + i * 1000;
      store.createExecution({
        id,
        batchId: `slot_${i % 3}`,
        sequenceName: 'psu_functional',
        sequenceVersion: '1.2.0',
        packageHash: 'sha256:bench',
        parameters: { vin: 12, serial: `SN${made + i}` },
        startedAt: at,
      });
      for (let s = 0; s < 5; s++) {
        store.recordStep(
          id,
          {
            name: `step_${s}`,
            order: s,
            status: 'completed',
            pass: true,
            startedAt: at,
            completedAt: at + 500,
          },
          [
            { name: 'voltage', value: 12 + s / 100, unit: 'V', low: 11.5, high: 12.5, pass: true },
            { name: 'current', value: 0.5, unit: 'A', low: 0, high: 1, pass: true },
          ],
        );
      }
      store.finishExecution(id, { status: 'completed', overallPass: true, completedAt: at + 3000 });
      for (let l = 0; l < 10; l++)
        log.info({ executionId: id, step: `step_${l % 5}`, batchId: `slot_${i % 3}` }, 'step ended');
    }
  });
  // The Backend acknowledges the day's results (what the sync agent's deliveries mark).
  writeTransaction(store, () => {
    for (const row of store.claimSyncItems({
      limit: today,
      leaseMs: 60_000,
      agentId: 'bench',
      now: now + DAY / 2,
    })) {
      store.markSynced(row.id, now + DAY / 2);
    }
  });
  made += today;
  deleted += (await retention.run()).deleted;
  store.sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)');
  peakStore = Math.max(peakStore, storeBytes());
  if (day % 20 === 19 || made >= TOTAL) {
    console.log(
      `${String(day + 1).padStart(3)}  ${String(made).padStart(10)}  ${String(count('executions')).padStart(5)}  ${mb(storeBytes()).padStart(8)}  ${mb(logsBytes()).padStart(7)}`,
    );
  }
}
await closeLogs();
console.log(
  `\n${made} executions generated, ${deleted} deleted by retention (keep_results_days ${KEEP_DAYS}), ` +
    `${count('executions')} kept with ${count('step_results')} steps and ${count('measurements')} measurements`,
);
console.log(
  `store at the end: ${mb(storeBytes())} MB (peak ${mb(peakStore)} MB), free pages ${store.freePages()}`,
);
console.log(
  `logs at the end: ${mb(logsBytes())} MB in ${readdirSync(logsDir).length} files (max_file_mb 1, keep_files 3)`,
);
console.log(`took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
store.close();
rmSync(dir, { recursive: true, force: true });
