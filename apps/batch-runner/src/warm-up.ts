// The first run of a fresh runner used to cost its unit 2-3x the per-step time of later runs: the engine,
// the recorder, the store's statements and the event encoding ran cold (interpreted, not yet compiled).
// A warm-up pays that at start instead: a throw-away package of no-op steps, each with one judged
// measurement, run through the same engine and recorder into an in-memory store. Its events are encoded
// as real ones would be and dropped: nothing leaves the process, nothing is counted.
import { newExecutionId, openStore } from '@station/db';
import type { StationEvent } from '@station/model';
import { runSequence } from '@station/sequence';
import { noopPackage } from '@station/sequence/noop-package';
import { createRecorder } from '@station/sequence/recorder';

/**
 * Steps per warm-up run, and runs: 300 steps in all, enough for the hot paths to be compiled (about 0.1 s
 * on a quiet PC). The runner is Ready while they run and answers requests between runs, so runs are short.
 */
const STEPS = 25;
const RUNS = 12;

/**
 * Runs the warm-up. `encode` gets every event the recorder would publish (the runner passes its own
 * encoding: redaction and serialisation, without sending). Never throws: a warm-up that fails only
 * leaves the first run as slow as it was; the error is returned for the log.
 */
export async function warmUp(encode: (event: StationEvent) => void): Promise<unknown> {
  let store: ReturnType<typeof openStore> | undefined;
  try {
    store = openStore(':memory:');
    const pkg = noopPackage(STEPS, 'warm_up');
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
      // A run never waits on I/O: between runs the process answers its requests (it is Ready already).
      await new Promise((resolve) => setImmediate(resolve));
    }
    return undefined;
  } catch (err) {
    return err;
  } finally {
    store?.close();
  }
}
