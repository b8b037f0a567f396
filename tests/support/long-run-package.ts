// A sequence package of many short steps, for the supervisor restart test and benchmark: each step waits
// `step_ms` and measures its own number; the last also measures `level` against 0..0.5, so a start with
// `level: 1` fails on purpose and each run has a verdict of its own.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Step names `step_01` .. `step_<n>`. */
export function longRunSteps(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `step_${String(i + 1).padStart(2, '0')}`);
}

/** Writes the package `long_run` (manifest.yaml and sequence.ts) with `n` steps into `dir`. */
export function writeLongRunPackage(dir: string, n: number): void {
  const steps = longRunSteps(n);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'manifest.yaml'),
    [
      'name: long_run',
      'version: 1.0.0',
      `description: ${n} short steps (supervisor restart test and benchmark)`,
      'parameters:',
      '  step_ms: { type: integer, default: 100, min: 0, max: 10000, unit: ms }',
      '  level: { type: number, default: 0, min: 0, max: 1 }',
      'hardware:',
      '  psu: { driver: sim_psu }',
      'steps:',
      ...steps.map((name, i) =>
        i === n - 1
          ? `  - name: ${name}\n    timeout: 10s\n    measurements:\n      - { name: level, low: 0, high: 0.5 }`
          : `  - name: ${name}\n    timeout: 10s`,
      ),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'sequence.ts'),
    [
      "import type { StepContext } from '@station/sequence';",
      '',
      'async function tick(ctx: StepContext, n: number): Promise<void> {',
      '  await ctx.sleep(ctx.params.step_ms as number);',
      "  ctx.measure('n', n);",
      '}',
      ...steps.map((name, i) =>
        i === n - 1
          ? `export async function ${name}(ctx: StepContext): Promise<void> {\n  await tick(ctx, ${i + 1});\n  ctx.measure('level', ctx.params.level as number);\n}`
          : `export async function ${name}(ctx: StepContext): Promise<void> {\n  await tick(ctx, ${i + 1});\n}`,
      ),
      '',
    ].join('\n'),
  );
}
