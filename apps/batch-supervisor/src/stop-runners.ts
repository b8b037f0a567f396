// `bun apps/batch-supervisor/src/stop-runners.ts`: stops every batch runner of the station that no
// supervisor will stop. Runners outlive their supervisor (a supervisor restart must not interrupt a test),
// so where the supervisor's own stop cannot tell a restart from the station's end (systemd: both are a
// SIGTERM) the station's end runs this after the supervisor has gone: SIGTERM to each runner (it aborts
// its run with status reason SHUTDOWN, runs cleanup, puts its hardware in the safe state and exits), and
// SIGKILL to any still there after the grace.
import { ConfigError, loadConfig } from '@station/config';
import { type CliSpec, parseCliOrExit } from '@station/service';
import {
  findRunnerProcesses,
  isAlive,
  type RunnerIdentity,
  readPidFile,
  signalRunner,
} from '@station/service/runner-files';
import { type Killable, terminate } from '@station/service/terminate';
import { sleep } from '@station/time';

const cli: CliSpec = {
  command: 'bun apps/batch-supervisor/src/stop-runners.ts',
  summary:
    "Stops every batch runner of the station (SIGTERM, SIGKILL after the grace), for the station's stop\nonce the supervisor is gone (systemd's station-runners.service runs it).",
  options: [{ name: 'grace', value: 'SECONDS', description: 'SIGTERM -> SIGKILL (default 30)' }],
  service: true,
};

const argv = process.argv.slice(2);
const { values } = parseCliOrExit(cli, argv);
let loaded: ReturnType<typeof loadConfig>;
try {
  loaded = loadConfig({ argv, env: process.env });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`stop-runners: configuration error\n${err.message}`);
  process.exit(2);
}
const { config, path } = loaded;
const graceMs = Number(values.grace ?? 30) * 1000;

// The pid file's runner, and any runner of this station the process table shows (one whose supervisor
// died before writing the file).
const table = findRunnerProcesses([path, config.station.id]);
const runners: RunnerIdentity[] = [];
for (const batch of config.batches) {
  const recorded = readPidFile(config.paths.data_dir, batch.id);
  if (recorded && isAlive(recorded)) runners.push(recorded);
  for (const id of table.get(batch.id) ?? []) if (id.pid !== recorded?.pid) runners.push(id);
}

/** A runner this process did not spawn, as `terminate` ends it: its exit is seen when it leaves /proc. */
function byIdentity(id: RunnerIdentity): Killable {
  return {
    exited: (async () => {
      while (isAlive(id)) await sleep(100);
    })(),
    kill: (signal) => signalRunner(id, signal),
  };
}

await Promise.all(
  runners.map((id) =>
    terminate(byIdentity(id), {
      graceMs,
      killGraceMs: 5_000, // a process that outlives even SIGKILL must not hold the station's stop
      onSignal: (signal) =>
        console.log(
          signal === 'SIGTERM'
            ? `stopping the runner of ${id.batchId} (pid ${id.pid})`
            : `the runner of ${id.batchId} (pid ${id.pid}) did not stop within ${graceMs / 1000} s; SIGKILL`,
        ),
    }),
  ),
);
console.log(runners.length === 0 ? 'no runner was running' : `${runners.length} runner(s) stopped`);
