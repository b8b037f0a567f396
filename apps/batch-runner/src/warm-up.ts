// The first run of a fresh runner used to cost its unit 2-3x the per-step time of later runs: the engine,
// the recorder, the store's statements and the event encoding ran cold (interpreted, not yet compiled).
// A warm-up pays that at start instead: a throw-away package of no-op steps, each with one judged
// measurement, run through the same engine and recorder into an in-memory store. Its events are encoded
// as real ones would be and dropped: nothing leaves the process, nothing is counted.
import { newExecutionId, openStore } from '@station/db';
import type { StationEvent } from '@station/model';
import { type LoadedPackage, runSequence } from '@station/sequence';
import { createRecorder } from '@station/sequence/recorder';

/** Steps per warm-up run, and runs: enough for the hot paths to be compiled, about 0.1 s on a quiet PC. */
const STEPS = 100;
const RUNS = 3;

function warmUpPackage(): LoadedPackage {
  const names = Array.from({ length: STEPS }, (_, i) => `warm_up_${i}`);
  return {
    manifest: {
      name: 'warm_up',
      version: '1.0.0',
      description: 'the runner warm-up',
      parameters: {},
      hardware: {},
      dut: { serial: 'optional' },
      steps: names.map((name) => ({
        name,
        timeoutMs: 10_000,
        retries: 0,
        retryDelayMs: 0,
        cleanup: false,
        measurements: [{ name: 'v', low: 0, high: 10 }],
      })),
    },
    dir: '/warm-up',
    hash: '0'.repeat(64),
    steps: Object.fromEntries(
      names.map((name) => [name, (ctx: { measure(n: string, v: number): void }) => ctx.measure('v', 1)]),
    ),
    drivers: {},
  };
}

/**
 * Runs the warm-up. `encode` gets every event the recorder would publish (the runner passes its own
 * encoding: redaction and serialisation, without sending). Never throws: a warm-up that fails only
 * leaves the first run as slow as it was; the error is returned for the log.
 */
export async function warmUp(encode: (event: StationEvent) => void): Promise<unknown> {
  let store: ReturnType<typeof openStore> | undefined;
  try {
    store = openStore(':memory:');
    const pkg = warmUpPackage();
    for (let run = 0; run < RUNS; run++) {
      const executionId = newExecutionId();
      store.createExecution({
        id: executionId,
        batchId: 'warm_up',
        sequenceName: pkg.manifest.name,
        sequenceVersion: pkg.manifest.version,
        packageHash: pkg.hash,
        steps: pkg.manifest.steps.map((s) => s.name),
      });
      const sink = createRecorder(store, 'warm_up', executionId, {
        publish: encode,
        onStepStart: () => {},
        onStepEnd: () => {},
        abortCause: () => undefined,
        onStoreError: (err) => {
          throw err;
        },
      });
      await runSequence({ pkg, params: {}, drivers: {}, executionId, batchId: 'warm_up', sink });
    }
    return undefined;
  } catch (err) {
    return err;
  } finally {
    store?.close();
  }
}
