// Test support: a throw-away station on disk (config, sequences, data dir) and its broker as a real
// process, so app tests run the real thing against temp files and ipc sockets that they always remove.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FixtureProcess, spawnFixture } from './process.ts';

export const REPO = join(import.meta.dir, '../..');
export const BROKER_FIXTURE = join(REPO, 'packages/bus/test/broker-fixture.ts');

export interface TempStation {
  dir: string;
  configPath: string;
  dataDir: string;
  sequencesDir: string;
  dbPath: string;
  ipc: { serviceBus: string; eventIn: string; eventOut: string };
  /** Starts (or restarts) the broker on the station's ipc endpoints. */
  startBroker(heartbeatMs?: number): Promise<FixtureProcess>;
  /** Kills every process started through this station and removes its folder. */
  cleanup(): Promise<void>;
  track(p: FixtureProcess): FixtureProcess;
}

export interface TempStationOptions {
  /** YAML of the `batches:` list (indented as a top-level list). */
  batchesYaml: string;
  /** Package folders to copy into the station's sequences dir (absolute paths). */
  packages: string[];
  /** Extra top-level YAML (e.g. a `backend:` section). */
  extraYaml?: string;
  /** The station's name (default Test Station). */
  name?: string;
}

/** Makes a station folder with a station.yaml, sequences and a data dir under the system temp dir. */
export function tempStation(opts: TempStationOptions): TempStation {
  const dir = mkdtempSync(join(tmpdir(), 'st-'));
  const sequencesDir = join(dir, 'sequences');
  const dataDir = join(dir, 'data');
  mkdirSync(sequencesDir, { recursive: true });
  for (const pkg of opts.packages)
    cpSync(pkg, join(sequencesDir, pkg.split('/').pop()!), { recursive: true });
  const ipc = {
    serviceBus: `ipc://${dir}/run/bus.sock`,
    eventIn: `ipc://${dir}/run/in.sock`,
    eventOut: `ipc://${dir}/run/out.sock`,
  };
  mkdirSync(join(dir, 'run'), { recursive: true });
  const configPath = join(dir, 'station.yaml');
  writeFileSync(
    configPath,
    [
      `station: { id: test-station, name: ${JSON.stringify(opts.name ?? 'Test Station')} }`,
      'paths: { data_dir: ./data, sequences_dir: ./sequences }',
      `ipc: { service_bus: "${ipc.serviceBus}", event_pub: "${ipc.eventIn}", event_sub: "${ipc.eventOut}" }`,
      'logging: { level: debug }',
      opts.extraYaml ?? '',
      'batches:',
      opts.batchesYaml,
    ].join('\n'),
  );
  const procs: FixtureProcess[] = [];
  const station: TempStation = {
    dir,
    configPath,
    dataDir,
    sequencesDir,
    dbPath: join(dataDir, 'station.db'),
    ipc,
    track(p) {
      procs.push(p);
      return p;
    },
    async startBroker(heartbeatMs = 200) {
      const p = station.track(
        spawnFixture(BROKER_FIXTURE, [ipc.serviceBus, ipc.eventIn, ipc.eventOut, String(heartbeatMs)]),
      );
      await p.waitFor(/^READY /);
      return p;
    },
    async cleanup() {
      await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return station;
}
