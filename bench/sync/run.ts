// Benchmark: how fast the sync agent drains a backlog to the test Backend on loopback, and whether its
// memory stays flat while it does.
//   bun bench/sync/run.ts [--executions 10000] [--steps 20] [--concurrency 8] [--batch 32]
// Seeds a fresh store (in a temp folder) with finished executions, starts the test Backend in this
// process and the agent in a child process, and prints results/s and the agent's RSS over the drain.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newExecutionId, openStore, type Store } from '@station/db';
import * as tables from '@station/db/schema';
import { readLines } from '@station/service/lines';
import { TestBackend } from '../../tests/backend/server.ts';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    executions: { type: 'string', default: '10000' },
    steps: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '32' },
  },
});
const executions = Number(values.executions);
const steps = Number(values.steps);
const concurrency = Number(values.concurrency);
const batchSize = Number(values.batch);

const dir = mkdtempSync(join(tmpdir(), 'sync-bench-'));
const path = join(dir, 'station.db');
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

/**
 * Fills the store with finished, queued executions: the rows finishExecution would leave, written in
 * bulk (one transaction per 500 executions) because seeding is not what is measured.
 */
function seed(store: Store): void {
  const start = Date.now() - executions - 60_000;
  const iso = (t: number) => new Date(t).toISOString();
  const chunk = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const t = start + i;
      const id = newExecutionId(t);
      store.db
        .insert(tables.executions)
        .values({
          id,
          batchId: `batch_${(i % 10) + 1}`,
          sequenceName: 'psu_functional',
          sequenceVersion: '1.4.2',
          packageHash: 'sha256:9c1d4e8f0a7b3c2d',
          status: 'completed',
          overallPass: true,
          parameters: { vin: 12, load_ma: 500, serial: `SN${100000 + i}` },
          startedAt: iso(t - 45_000),
          completedAt: iso(t),
          duration: 45,
        })
        .run();
      const stepIds = store.db
        .insert(tables.stepResults)
        .values(
          Array.from({ length: steps }, (_, s) => ({
            executionId: id,
            name: `step_${s}`,
            stepOrder: s,
            status: 'completed' as const,
            pass: true,
            startedAt: iso(t - 45_000 + s * 2_000),
            completedAt: iso(t - 44_000 + s * 2_000),
            duration: 1,
            attempts: 1,
            result: { note: 'within limits' },
          })),
        )
        .returning({ id: tables.stepResults.id })
        .all();
      store.db
        .insert(tables.measurements)
        .values(
          stepIds.flatMap(({ id: stepResultId }, s) => [
            {
              stepResultId,
              executionId: id,
              name: 'voltage',
              value: 12 + s / 100,
              unit: 'V',
              low: 11.5,
              high: 12.5,
              pass: true,
            },
            {
              stepResultId,
              executionId: id,
              name: 'current',
              value: 0.5,
              unit: 'A',
              low: 0.4,
              high: 0.6,
              pass: true,
            },
          ]),
        )
        .run();
      store.db
        .insert(tables.syncQueue)
        .values({ entityId: id, nextAttemptAt: iso(t), createdAt: iso(t), updatedAt: iso(t) })
        .run();
    }
  };
  for (let from = 0; from < executions; from += 500) {
    store.sqlite.transaction(() => chunk(from, Math.min(executions, from + 500)))();
  }
}

let child: ReturnType<typeof Bun.spawn> | undefined;
const backend = await TestBackend.start({ keepBodies: false });
try {
  const seedStart = performance.now();
  const store = openStore(path);
  seed(store);
  store.close();
  console.log(
    `seeded ${executions} executions x ${steps} steps in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
  );

  const check = openStore(path);
  const done = () =>
    check.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM sync_queue WHERE status = 'done'").get()!
      .n;
  const samples: { rss: number; heapUsed: number; t: number; done: number }[] = [];
  const t0 = performance.now();
  const proc = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, 'agent-process.ts'),
      path,
      backend.url,
      backend.apiKey,
      JSON.stringify({ concurrency, batchSize }),
    ],
    { stdout: 'pipe', stderr: 'inherit' },
  );
  child = proc;
  void readLines(
    proc.stdout,
    (line) => {
      const s = JSON.parse(line) as { rss: number; heapUsed: number; t: number };
      samples.push({ ...s, done: backend.stats().results });
    },
    { skipBlank: true },
  );

  let firstAt: number | undefined;
  while (done() < executions) {
    if (firstAt === undefined && backend.stats().results > 0) firstAt = performance.now();
    if (performance.now() - t0 > 600_000) throw new Error('drain took more than 10 minutes');
    await Bun.sleep(20);
  }
  const end = performance.now();
  proc.kill('SIGTERM');
  await proc.exited;
  check.close();

  const s = backend.stats();
  const seconds = (end - (firstAt ?? t0)) / 1000;
  console.log(
    `drained ${s.results} results in ${seconds.toFixed(2)} s: ${(s.results / seconds).toFixed(0)} results/s`,
  );
  console.log(
    `  (agent start to last result: ${((end - t0) / 1000).toFixed(2)} s; concurrency ${concurrency}, batch ${batchSize})`,
  );
  console.log(
    `  deliveries ${s.deliveries}, duplicates ${s.duplicates}, duplicate results ${s.duplicateResults}`,
  );
  const during = samples.filter((x) => x.done > 0 && x.done < executions);
  const at = (f: number) => during.find((x) => x.done >= executions * f) ?? during.at(-1);
  if (during.length > 0) {
    const peak = Math.max(...during.map((x) => x.rss));
    const row = (label: string, x: (typeof during)[number] | undefined) =>
      x
        ? `  ${label.padEnd(6)} ${String(x.done).padStart(6)} done  rss ${mb(x.rss)}  heap ${mb(x.heapUsed)}`
        : '';
    console.log('agent memory during the drain:');
    for (const [label, f] of [
      ['10%', 0.1],
      ['25%', 0.25],
      ['50%', 0.5],
      ['75%', 0.75],
      ['90%', 0.9],
    ] as const) {
      console.log(row(label, at(f)));
    }
    console.log(`  peak rss ${mb(peak)} over ${during.length} samples`);
    const early = at(0.25);
    const late = at(0.9);
    if (early && late) console.log(`  rss change 25% -> 90%: ${mb(late.rss - early.rss)}`);
  }
} finally {
  child?.kill('SIGKILL');
  await backend.stop();
  rmSync(dir, { recursive: true, force: true });
}
