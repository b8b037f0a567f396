// Imported first by main.ts, so it runs before any other module of the runner is evaluated. Most of a
// start's code (module bodies, the config check, the package load) runs once, and compiling it costs more
// CPU than interpreting it: with JavaScriptCore's tier-up thresholds raised tenfold a start to registration
// took about a quarter less CPU (bench/runner/start.ts, docs/runner.md "Start-up"). The JIT is set back
// to normal at registration, before the warm-up, whose purpose is to get the hot paths compiled.

/** How many times the tier-up thresholds are raised while the runner starts. */
const START_JIT_POLICY = 10;

Bun.unsafe.setJITPolicy(START_JIT_POLICY);

/** The start is over (the runner is registered): back to the normal JIT. */
export function startJitOver(): void {
  Bun.unsafe.setJITPolicy(1);
}
