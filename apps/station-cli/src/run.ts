// `station run <folder>`: runs a package in the terminal with the runner's engine, limits and recording
// rules (the execution, its steps and its measurements go to a store exactly as a batch runner writes
// them), without a broker or a supervisor. Ctrl-C aborts as the UI's abort does: cleanup steps still run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newExecutionId, openStore, type Store } from '@station/db';
import type { Verdict } from '@station/model';
import {
  checkStartDut,
  type HardwareSet,
  isSequenceError,
  type LoadedPackage,
  openHardware,
  type ParameterProblem,
  type Params,
  PromptDesk,
  resolveParameters,
  runSequence,
  SequenceError,
  type SequenceSink,
} from '@station/sequence';
import { type AbortCause, createRecorder } from '@station/sequence/recorder';
import { terminalAsker } from './ask.ts';
import { type Command, type Io, paint } from './command.ts';
import { loadFolder, located, plural } from './load.ts';
import { AssignmentError, assignments, hardwareConfig, typedParams } from './params.ts';
import { reportFormat, writeReport } from './report.ts';
import { EXIT_CODES, terminalSink } from './terminal.ts';

/** What `station run` records as the batch of its executions unless `--batch` names one. */
export const DEFAULT_BATCH = 'terminal';
/** Exit code of a run that could not start or could not be recorded (as for an aborted or errored run). */
const ERROR_EXIT = EXIT_CODES.ERROR;
const CTRL_C: AbortCause = { reason: 'ABORTED', message: 'ABORTED: stopped from the terminal (Ctrl-C)' };
const NO_INPUT: AbortCause = {
  reason: 'ABORTED',
  message: 'ABORTED: a step asked the operator and standard input is closed',
};

/** Every call a SequenceSink has: a method added there that is missing here does not compile. */
const SINK_CALLS = [
  'onSequenceStart',
  'onStepStart',
  'onLog',
  'onError',
  'onPrompt',
  'onPromptClosed',
  'onSerial',
  'onStepEnd',
  'onSequenceEnd',
] as const;
const ALL_CALLS: Exclude<keyof SequenceSink, (typeof SINK_CALLS)[number]> extends never ? true : never = true;

/** Reports every sink call to each sink in turn: the store hears of a step before the screen does. */
function tee(...sinks: SequenceSink[]): SequenceSink {
  const out: SequenceSink = {};
  for (const call of SINK_CALLS) {
    out[call] = async (...args: never[]) => {
      for (const sink of sinks) await (sink[call] as ((...a: never[]) => unknown) | undefined)?.(...args);
    };
  }
  return ALL_CALLS && out;
}

/**
 * Turns SIGINT and SIGTERM into an abort. One Ctrl-C reaches every process of the terminal's group (and
 * `bun run` forwards its own), so a second signal counts only well after the first: it quits at once.
 */
function onInterrupt(io: Io, abort: () => void): () => void {
  let first = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (first === 0) {
      first = Date.now();
      io.err(`\n${signal}: aborting; cleanup steps still run (again to quit without them)\n`);
      abort();
      return;
    }
    if (Date.now() - first < 2000) return;
    io.err('quit before the cleanup steps ended: the hardware may not be in its safe state\n');
    process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** A store for one run: the given file, or a temporary one removed afterwards. */
function runStore(path: string | undefined): { store: Store; close(): void } {
  if (path) {
    const store = openStore(path);
    return { store, close: () => store.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'station-run-'));
  const store = openStore(join(dir, 'station.db'));
  return {
    store,
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface RunInput {
  pkg: LoadedPackage;
  params: Params;
  hardware: HardwareSet;
  store: Store;
  batchId: string;
  operator: string | null;
  serial: string | undefined;
  reports: string[];
}

async function execute(input: RunInput, io: Io): Promise<number> {
  const { pkg, params, hardware, store, batchId } = input;
  const c = paint(io.colour);
  const executionId = newExecutionId();
  const abort = new AbortController();
  let cause: AbortCause | undefined;
  // Before the execution exists, so no Ctrl-C can leave it `running`.
  const stopListening = onInterrupt(io, () => {
    cause ??= CTRL_C;
    abort.abort(new SequenceError('ABORTED', 'sequence aborted from the terminal'));
  });
  let storeError: unknown;
  // The verdict the recorder publishes, as a runner's recorder does: the terminal never judges a run itself.
  let verdict: Verdict = 'ERROR';
  const recorder = createRecorder(store, batchId, executionId, {
    publish(event) {
      if (event.type === 'sequence_complete') verdict = event.data.verdict;
    },
    onStepStart: () => undefined,
    onStepEnd: () => undefined,
    abortCause: () => cause,
    // As a runner does: no testing on unrecorded, so abort (cleanup steps and the safe state still happen).
    onStoreError(err) {
      storeError = err;
      abort.abort(new SequenceError('ABORTED', 'results could not be stored'));
    },
  });
  const terminal = terminalSink(io, hardware.driverNames);
  const desk = new PromptDesk();
  const asker = terminalAsker(io, {
    desk,
    answeredBy: input.operator ?? 'terminal',
    input: process.stdin,
    inputIsTerminal: process.stdin.isTTY === true,
    onNoInput(prompt) {
      cause ??= NO_INPUT;
      abort.abort(
        new SequenceError('ABORTED', `step ${prompt.step} asks "${prompt.message}", and nobody can answer`),
      );
    },
  });
  try {
    store.createExecution({
      id: executionId,
      batchId,
      sequenceName: pkg.manifest.name,
      sequenceVersion: pkg.manifest.version,
      packageHash: pkg.hash,
      parameters: params,
      startedAt: new Date().toISOString(),
      steps: pkg.manifest.steps.map((s) => s.name),
      operator: input.operator,
      dut: input.serial ? { serialNumber: input.serial } : null,
    });
    const outcome = await runSequence({
      pkg,
      params,
      drivers: hardware.drivers,
      driverNames: hardware.driverNames,
      executionId,
      batchId,
      signal: abort.signal,
      sink: tee(recorder, terminal, asker),
      prompts: desk,
      ...(input.serial ? { dut: { serialNumber: input.serial } } : {}),
    });
    io.out(terminal.verdictLine(outcome, verdict));
    if (storeError !== undefined) {
      const message = storeError instanceof Error ? storeError.message : String(storeError);
      closeUnrecorded(store, executionId, message);
      io.err(`station run: the result could not be stored (${message}); the run was aborted\n`);
      return ERROR_EXIT;
    }
    const result = store.getResult(executionId);
    for (const path of input.reports) {
      if (result) writeReport(path, result);
      io.out(`${c.dim('report')}  ${path}\n`);
    }
    return EXIT_CODES[verdict];
  } catch (err) {
    // The engine could not report progress (SINK_FAILED): as a runner does, never leave it `running`.
    closeUnrecorded(store, executionId, err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    asker.close();
    stopListening();
  }
}

/** Closes an execution whose results could not all be written, if the store takes that write. */
function closeUnrecorded(store: Store, executionId: string, message: string): void {
  try {
    store.markInterrupted(executionId, 'failed', {
      reason: 'STORE_ERROR',
      message: `STORE_ERROR: ${message}`,
    });
  } catch {
    // The store takes no writes at all: the execution stays `running` for a station's supervisor to close.
  }
}

function parameterLines(problems: ParameterProblem[]): string {
  return problems.map((p) => `  --param ${p.parameter}: ${p.message}\n`).join('');
}

export const runCommand: Command = {
  spec: {
    command: 'station run',
    summary:
      'Runs a sequence package in this terminal with the runner’s engine, limits and recording, no station needed.\nExit code: 0 pass, 1 fail (a limit missed, a step threw), 2 error (aborted, timeout, hardware, bad input).',
    config: false,
    positionals: [{ name: 'folder', description: 'the sequence package folder' }],
    options: [
      {
        name: 'param',
        value: 'NAME=VALUE',
        description: 'a runtime parameter (default: the manifest’s)',
        multiple: true,
      },
      {
        name: 'serial',
        value: 'SN',
        description: 'serial number of the unit under test, checked against the manifest’s dut block',
      },
      {
        name: 'hardware',
        value: 'NAME=DRIVER',
        description: 'serve a hardware entry with another driver',
        multiple: true,
      },
      {
        name: 'store',
        value: 'FILE',
        description: 'record into this SQLite store (default: a temporary one)',
      },
      {
        name: 'report',
        value: 'FILE',
        description: 'write the result: FILE.xml as JUnit, FILE.json as stored',
        multiple: true,
      },
      {
        name: 'batch',
        value: 'ID',
        description: `batch id the execution is recorded under (default ${DEFAULT_BATCH})`,
      },
      { name: 'operator', value: 'ID', description: 'who tests, recorded on the result (default: nobody)' },
    ],
  },
  async run(cli, io) {
    const folder = cli.positionals[0] ?? '';
    const reports = cli.lists.report ?? [];
    let given: Map<string, string>;
    let hardwareGiven: Map<string, string>;
    try {
      given = assignments(cli.lists.param ?? [], 'param');
      hardwareGiven = assignments(cli.lists.hardware ?? [], 'hardware');
      for (const path of reports) {
        if (!reportFormat(path))
          throw new AssignmentError(`--report ${path}: name a .xml (JUnit) or .json file`);
      }
    } catch (err) {
      if (!(err instanceof AssignmentError)) throw err;
      io.err(`station run: ${err.message}\n`);
      return ERROR_EXIT;
    }

    const loaded = await loadFolder(folder);
    if (!loaded.ok) {
      for (const p of loaded.problems) io.err(`${located(folder, p)}\n`);
      io.err(
        `station run: ${folder} is not a valid package (${plural(loaded.problems.length, 'problem')})\n`,
      );
      return ERROR_EXIT;
    }
    const pkg = loaded.package;
    let params: Params;
    let hardwareMap: ReturnType<typeof hardwareConfig>;
    try {
      params = resolveParameters(pkg.manifest, {}, typedParams(pkg.manifest, given));
      hardwareMap = hardwareConfig(hardwareGiven);
      const serial = cli.values.serial;
      checkStartDut(pkg.manifest.dut, serial === undefined ? undefined : { serialNumber: serial });
    } catch (err) {
      if (err instanceof AssignmentError) io.err(`station run: ${err.message}\n`);
      else if (isSequenceError(err, 'BAD_SERIAL')) io.err(`station run: --serial: ${err.message}\n`);
      else if (isSequenceError(err, 'BAD_REQUEST')) {
        const problems = (err.details?.parameters ?? []) as ParameterProblem[];
        io.err(`station run: invalid parameters\n${parameterLines(problems)}`);
      } else throw err;
      return ERROR_EXIT;
    }

    const { store, close } = runStore(cli.values.store);
    try {
      let hardware: HardwareSet;
      try {
        hardware = await openHardware(pkg, hardwareMap);
      } catch (err) {
        if (!isSequenceError(err)) throw err;
        io.err(`station run: ${err.code}: ${err.message}\n`);
        return ERROR_EXIT;
      }
      try {
        return await execute(
          {
            pkg,
            params,
            hardware,
            store,
            batchId: cli.values.batch ?? DEFAULT_BATCH,
            operator: cli.values.operator ?? null,
            serial: cli.values.serial,
            reports,
          },
          io,
        );
      } finally {
        await hardware.safeState();
        await hardware.close();
      }
    } finally {
      close();
    }
  },
};
