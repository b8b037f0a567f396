// The start and stop of every station process: load station.yaml, set up logging, make the ipc folders,
// run the service, and on SIGTERM/SIGINT stop it within a bounded time and exit 0.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ConfigError,
  loadCheckedConfig,
  type StationCheck,
  type StationConfig,
  secretValues,
} from '@station/config';
import { closeLogs, createLogger, holdSecrets, type Logger } from '@station/log';
import { type CliSpec, parseCliOrExit } from './cli.ts';
import { watchParent } from './parent.ts';

export * from './cli.ts';
export { healthHandler } from './health.ts';
export { watchParent } from './parent.ts';

export interface ServiceContext {
  config: StationConfig;
  /** The file the config came from. */
  configPath: string;
  log: Logger;
  /** The command line as given (after the runtime and script). */
  argv: string[];
  /** Option values of the command line, checked against the service's `cli` spec. */
  options: Record<string, string | undefined>;
}

/** A running service: what `stop()` must do on SIGTERM (refuse new work, finish or hand off, close). */
export interface RunningService {
  stop(reason: string): Promise<void>;
}

export interface RunOptions {
  /** The service's command line: `--help` prints it and exits 0, an unknown flag exits 2. */
  cli?: CliSpec;
  argv?: string[];
  env?: Record<string, string | undefined>;
  /** Checks beyond the file's own, reported with its problems (the supervisor: `checkBatchPackages`). */
  checks?: readonly StationCheck[];
  /** Longest a graceful stop may take before the process exits anyway (ms). */
  stopTimeoutMs?: number;
  /** Fields on every log line of this process besides `service` (a runner's `batchId`). */
  logFields?: Record<string, unknown>;
}

const MB = 1024 * 1024;

/** Makes the folder of every `ipc://` endpoint, so a fresh data dir works. */
export function ensureIpcDirs(config: StationConfig): void {
  for (const endpoint of Object.values(config.ipc)) {
    if (typeof endpoint === 'string' && endpoint.startsWith('ipc://')) {
      mkdirSync(dirname(endpoint.slice('ipc://'.length)), { recursive: true });
    }
  }
}

/** Reads `--name value` / `--name=value` from argv. */
export function flag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

/**
 * Runs one station service as the main of its process. A config error prints every problem and exits 2
 * (nothing to retry until a person fixes the file); a failure to start exits 1.
 */
export async function runService(
  name: string,
  start: (ctx: ServiceContext) => Promise<RunningService>,
  opts: RunOptions = {},
): Promise<void> {
  const argv = opts.argv ?? process.argv.slice(2);
  const cli = opts.cli ?? { command: name, summary: `The station's ${name} service.`, service: true };
  const { values: options } = parseCliOrExit(cli, argv);
  const env = opts.env ?? process.env;
  let loaded: Awaited<ReturnType<typeof loadCheckedConfig>>;
  try {
    loaded = await loadCheckedConfig({ argv, env, checks: opts.checks ?? [] });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${name}: configuration error\n${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const { config, path } = loaded;
  // Before the logger exists, so not even its first line can carry a secret.
  holdSecrets(secretValues(config, env));
  const log = createLogger({
    service: name,
    level: config.logging.level,
    logsDir: config.paths.logs_dir,
    maxFileBytes: config.logging.max_file_mb * MB,
    keepFiles: config.logging.keep_files,
    fields: opts.logFields,
  });
  log.info({ config: path, source: loaded.source, pid: process.pid }, `${name} starting`);
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (kept running)'));
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception (kept running)'));

  let running: RunningService;
  try {
    ensureIpcDirs(config);
    running = await start({ config, configPath: path, log, argv, options });
  } catch (err) {
    log.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }

  let stoppingSince = 0;
  const stop = async (signal: string) => {
    if (stoppingSince > 0) {
      // A terminal's Ctrl-C reaches a whole process group and a launcher forwards its own signal too:
      // only a signal well after the first is an operator insisting.
      if (Date.now() - stoppingSince < 2000) return;
      log.warn({ signal }, `${name}: second signal, exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info({ signal }, `${name} stopping`);
    const timeoutMs = opts.stopTimeoutMs ?? 15_000;
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, `${name}: graceful stop took too long, exiting`);
      process.exit(1);
    }, timeoutMs);
    try {
      await running.stop(signal);
      log.info(`${name} stopped`);
      clearTimeout(timer);
      // The per-service file writes in the background: let its last lines reach the disk.
      await closeLogs();
      process.exit(0);
    } catch (err) {
      log.error({ err }, `${name}: error while stopping`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Started by a launcher or supervisor that passed its pid: stop when it is gone, so a killed parent
  // never leaves this process running on its own.
  const parent = options['parent-pid'];
  if (parent && Number.isInteger(Number(parent))) {
    watchParent(Number(parent), () => {
      log.warn({ parent }, `${name}: parent process is gone`);
      void stop('parent gone');
    });
  }
}
