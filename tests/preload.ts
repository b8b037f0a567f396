// `bun test` preload (bunfig.toml [test].preload): every test file gets a 30 s default timeout, so
// `bun test` alone gets the timeouts `npm test` has. Bun 1.4 reads no `timeout` key from bunfig, and a
// setDefaultTimeout() here would only reach the first file, so the call is put in front of each test
// file as it loads (on its first line: line numbers in stack traces stay right).
import { readFileSync } from 'node:fs';
import { plugin } from 'bun';

/** The suite's per-test default (ms): tests that start real processes need more than Bun's 5 s. */
export const TEST_TIMEOUT_MS = 30_000;

// An explicit `bun test --timeout N` wins; Bun keeps it out of process.argv, the kernel does not.
const explicit = readFileSync('/proc/self/cmdline', 'utf8').split('\0').includes('--timeout');

if (!explicit) {
  plugin({
    name: 'station-test-timeout',
    setup(build) {
      build.onLoad({ filter: /\.test\.tsx?$/ }, async ({ path }) => ({
        contents: `import { setDefaultTimeout as __stationTimeout } from 'bun:test'; __stationTimeout(${TEST_TIMEOUT_MS}); ${await Bun.file(path).text()}`,
        loader: path.endsWith('x') ? 'tsx' : 'ts',
      }));
    },
  });
}
