// A package of N no-op steps (one declared measurement each), shared by the runner benchmarks.
import type { LoadedPackage } from '@station/sequence';

/** Builds the package in memory; each step records `v = 1` against limits 0..10. */
export function noopPackage(count: number): LoadedPackage {
  const steps = Array.from({ length: count }, (_, i) => `step_${i}`);
  return {
    manifest: {
      name: 'bench',
      version: '1.0.0',
      description: 'no-op steps',
      parameters: {},
      hardware: {},
      dut: { serial: 'optional' },
      steps: steps.map((name) => ({
        name,
        timeoutMs: 10_000,
        retries: 0,
        retryDelayMs: 0,
        cleanup: false,
        // One declared measurement per step, so judging is part of what is measured.
        measurements: [{ name: 'v', low: 0, high: 10 }],
      })),
    },
    dir: '/bench',
    hash: '0'.repeat(64),
    steps: Object.fromEntries(
      steps.map((name) => [name, (ctx: { measure(n: string, v: number): void }) => ctx.measure('v', 1)]),
    ),
    drivers: {},
  };
}
