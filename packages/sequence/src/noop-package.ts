// A package of N no-op steps built in memory, each recording `v = 1` against limits 0..10: what the
// runner's warm-up runs at start and what the runner benchmarks measure, so judging and recording are
// part of both.
import type { LoadedPackage } from './loader.ts';

/** `count` steps named `<name>_0`, `<name>_1`, ... in a package called `name`. */
export function noopPackage(count: number, name: string): LoadedPackage {
  const steps = Array.from({ length: count }, (_, i) => `${name}_${i}`);
  return {
    manifest: {
      name,
      version: '1.0.0',
      description: 'no-op steps',
      parameters: {},
      hardware: {},
      dut: { serial: 'optional' },
      steps: steps.map((step) => ({
        name: step,
        timeoutMs: 10_000,
        retries: 0,
        retryDelayMs: 0,
        cleanup: false,
        measurements: [{ name: 'v', low: 0, high: 10 }],
      })),
    },
    dir: `/${name}`,
    hash: '0'.repeat(64),
    steps: Object.fromEntries(
      steps.map((step) => [step, (ctx: { measure(n: string, v: number): void }) => ctx.measure('v', 1)]),
    ),
    drivers: {},
  };
}
