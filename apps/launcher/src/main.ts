// `npm start` / `bun run start`: the whole station on this machine.
import { ConfigError, type LoadedConfig, loadCheckedConfig } from '@station/config';
import { type CliSpec, parseCliOrExit, watchParent } from '@station/service';
import { checkBatchPackages } from '@station/service/batch-packages';
import { Launcher, uiUrl } from './launcher.ts';

const cli: CliSpec = {
  command: 'npm start --',
  summary:
    'Starts the whole station on this machine (broker, batch supervisor, sync agent, API gateway), restarts\na service that dies, and stops them all in order on Ctrl-C or SIGTERM. Without npm:\nbun scripts/station-launcher.ts [options].',
};
parseCliOrExit(cli);

let loaded: LoadedConfig;
try {
  // Batches naming a missing package or an option their driver does not know stop the station here,
  // before any service starts, with every problem of the file listed at once.
  loaded = await loadCheckedConfig({
    argv: process.argv.slice(2),
    env: process.env,
    checks: [checkBatchPackages],
  });
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`station: configuration error\n${err.message}`);
    process.exit(2);
  }
  throw err;
}
const { config, path } = loaded;
const out = (line: string) => process.stdout.write(`${line}\n`);
out(`[launcher] config ${path} (${loaded.source})`);

const launcher = new Launcher({ config, configPath: path, out });
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  out(`[launcher] ${signal}: stopping the station`);
  await launcher.stop();
  out('[launcher] stopped');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// Under `npm start` (or `bun run start`) a process manager holds the package runner's pid, not ours. npm
// passes SIGTERM on, but if it is killed outright (SIGKILL, a crash) nothing would tell us: watch it and
// stop the station when it is gone. Started directly (`bun scripts/station-launcher.ts`), a parent that goes
// away (nohup, a closed terminal) is no reason to stop.
if (process.env.npm_lifecycle_event) {
  const runner = process.ppid;
  watchParent(runner, () => void stop(`parent ${runner} (npm) gone`));
}

const failed = await launcher.start();
const started = [...launcher.children.keys()];
if (started.length === 0) {
  out('[launcher] no services to run yet');
  process.exit(0);
}
out(
  `Station ${config.station.name} ${failed.length ? `started with problems (${failed.join(', ')} not ready)` : 'ready'}: UI ${uiUrl(config)}  data ${config.paths.data_dir}  logs ${config.paths.logs_dir}`,
);
