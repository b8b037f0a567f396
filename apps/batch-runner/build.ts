// The runner as one file, with Bun's bytecode beside it (packages/service/src/bundle.ts; docs/runner.md,
// "Start-up"). `bun apps/batch-runner/build.ts` builds it (npm's postinstall does); the supervisor checks at
// start that the bundle was built from the sources as they are now and builds it again when not.
import { fileURLToPath } from 'node:url';
import { appBundle } from '@station/service/bundle';

/** The runner's bundle, built from its entry point. */
export const runnerBundle = appBundle(fileURLToPath(new URL('./src/main.ts', import.meta.url)));
/** The script to spawn a runner with: the bundle, built first when stale, else the sources. */
export const runnerEntry = () => runnerBundle.entry();

if (import.meta.main) {
  const t0 = performance.now();
  const built = await runnerBundle.build();
  const form = built.bytecode ? 'with bytecode' : `without bytecode (${built.note})`;
  console.log(
    `apps/batch-runner: bundled to ${built.main} ${form} in ${Math.round(performance.now() - t0)} ms`,
  );
}
