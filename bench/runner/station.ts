// The station both runner benchmarks start (run.ts, start.ts): a temp station.yaml with simulated
// hardware, the example package psu_functional and a generated package of `steps` one-measurement steps,
// the real broker, and runners spawned exactly as the supervisor spawns them (runnerCommand, the bundle,
// `--config-digest`).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchConfig } from '@station/config';
import { fastReadDigest } from '@station/config';
import { runnerCommand } from '@station/service/runner-command';
import { runnerEntry } from '../../apps/batch-runner/build.ts';

export const REPO = join(import.meta.dir, '../..');

/** The load average, as every figure is printed with. */
export const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

export interface BenchStationOptions {
  /** Steps of the generated package (batch `gen`). */
  steps: number;
  /** Prefix of the temp folder. */
  prefix: string;
  /** The runners' log level: `info` writes the "runner start timings" line start.ts reads. */
  logLevel: 'warn' | 'info';
  /** The script the runners run; defaults to the bundle the supervisor spawns (built when stale). */
  main?: string;
  /** Extra batches `rest_1` .. `rest_<n>` on psu_functional, for memory with many runners at rest. */
  restBatches?: number;
}

export type Child = ReturnType<typeof Bun.spawn>;

export interface BenchStation {
  dir: string;
  /** `<dir>/logs`, the runners' log files (`runner-<batch>.log`). */
  logsDir: string;
  /** `<dir>/data/station.db`, the store every runner writes. */
  storePath: string;
  configPath: string;
  /** Names of the generated package's steps, in order. */
  stepNames: string[];
  /** The script the runners run. */
  main: string;
  /** `ipc://` endpoint of a socket under `<dir>/data/run`. */
  endpoint(name: string): string;
  /** Spawns batch `batchId`'s runner with the supervisor's command line. */
  spawnRunner(batchId: string): Child;
  /** Spawns any process, killed by `close()` if still running. */
  spawn(argv: string[]): Child;
  /** Kills what is still running (broker included) and removes the folder. */
  close(): void;
}

/** Writes the station and starts its broker. Batches: `gen` (the generated package), `example`. */
export async function benchStation(opts: BenchStationOptions): Promise<BenchStation> {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix));
  const seqDir = join(dir, 'sequences');
  const logsDir = join(dir, 'logs');
  mkdirSync(join(seqDir, 'generated'), { recursive: true });
  mkdirSync(join(dir, 'data', 'run'), { recursive: true });
  const stepNames = Array.from({ length: opts.steps }, (_, i) => `step_${i}`);
  writeFileSync(
    join(seqDir, 'generated', 'manifest.yaml'),
    [
      'name: generated',
      'version: 1.0.0',
      'description: generated one-measurement steps',
      'dut: { serial: optional }',
      'steps:',
      ...stepNames.map((n) => `  - name: ${n}\n    measurements:\n      - { name: v, low: 0, high: 10 }`),
    ].join('\n'),
  );
  writeFileSync(
    join(seqDir, 'generated', 'sequence.ts'),
    [
      "import type { StepContext } from '@station/sequence';",
      ...stepNames.map((n) => `export function ${n}(ctx: StepContext): void {\n  ctx.measure('v', 1);\n}`),
    ].join('\n'),
  );
  // The example package, copied so the station's sequences_dir holds both.
  await Bun.$`cp -r ${join(REPO, 'sequences/psu_functional')} ${seqDir}/`.quiet();
  const endpoint = (name: string) => `ipc://${dir}/data/run/${name}`;
  const configPath = join(dir, 'station.yaml');
  writeFileSync(
    configPath,
    [
      'station: { id: bench_station }',
      `paths: { data_dir: ${dir}/data, sequences_dir: ${seqDir}, logs_dir: ${logsDir} }`,
      `ipc: { service_bus: "${endpoint('bus.sock')}", event_pub: "${endpoint('in.sock')}", event_sub: "${endpoint('out.sock')}" }`,
      `logging: { level: ${opts.logLevel} }`,
      'batches:',
      '  - id: gen\n    sequence_package: generated\n    hardware: {}',
      ...['example', ...Array.from({ length: opts.restBatches ?? 0 }, (_, i) => `rest_${i + 1}`)].map(
        (id) =>
          `  - id: ${id}\n    sequence_package: psu_functional\n    hardware: { psu: { driver: sim_psu }, dmm: { driver: sim_dmm } }`,
      ),
    ].join('\n'),
  );

  const main = opts.main ?? (await runnerEntry()).main;
  // As the supervisor spawns it: with the digest that lets it read station.yaml the fast way.
  const digest = fastReadDigest(readFileSync(configPath, 'utf8'));
  const command = runnerCommand({
    configPath,
    stationId: 'bench_station',
    main,
    extra: () => (digest ? ['--config-digest', digest] : []),
  });
  const children = new Set<Child>();
  const spawn = (argv: string[]): Child => {
    const child = Bun.spawn(argv, { stdin: 'ignore', stdout: 'ignore', stderr: 'inherit' });
    children.add(child);
    void child.exited.then(() => children.delete(child));
    return child;
  };
  const broker = spawn([process.execPath, join(REPO, 'apps/broker/src/main.ts'), '--config', configPath]);
  return {
    dir,
    logsDir,
    storePath: join(dir, 'data', 'station.db'),
    configPath,
    stepNames,
    main,
    endpoint,
    spawnRunner: (batchId) => spawn(command({ id: batchId } as BatchConfig)),
    spawn,
    close() {
      for (const c of children) c.kill('SIGKILL');
      broker.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
