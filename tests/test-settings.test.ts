// `bun test` alone runs with the suite's settings (bunfig.toml), the same as `npm test`, which only adds
// running the test files in two workers.
import { expect, test } from 'bun:test';
import pkg from '../package.json' with { type: 'json' };
import { TEST_TIMEOUT_MS } from './preload.ts';

test('npm test is `bun test` with two workers: the settings live in bunfig.toml', () => {
  expect(pkg.scripts.test).toBe('bun test --parallel=2');
  expect(TEST_TIMEOUT_MS).toBe(30_000);
});

test("a test may run past Bun's 5 s default without its own timeout", async () => {
  // Past 5 s on purpose: with Bun's default this test fails with a timeout.
  const started = performance.now();
  await Bun.sleep(5_200);
  expect(performance.now() - started).toBeGreaterThanOrEqual(5_000);
});
