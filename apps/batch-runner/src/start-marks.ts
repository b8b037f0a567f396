// Where a runner's start goes: the time since the process began (performance.now(), whose origin is the
// process's start) at each stage of the start, and the CPU the process had used by then (every thread:
// Bun's JIT and garbage collector too), logged once the warm-up after registration is done ("runner start
// timings", with `startedAt`, the process's start in epoch ms) so a slow start can be read from the
// runner's log; bench/runner/start.ts prints the breakdown (docs/runner.md, "Start-up"). On a busy PC the
// wall times stretch with everyone else's work; the CPU times say what this start itself cost.

/** Stage name -> [ms since the process started, CPU ms used by then], in the order reached. */
const marks: [string, number, number][] = [];

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Records that the start reached `stage` now. */
export function markStart(stage: string): void {
  const cpu = process.cpuUsage();
  marks.push([stage, round(performance.now()), round((cpu.user + cpu.system) / 1000)]);
}

/** The stages reached so far, each with the ms since the process started. */
export function startMarks(): Record<string, number> {
  return Object.fromEntries(marks.map(([stage, at]) => [stage, at]));
}

/** The stages reached so far, each with the CPU ms the process had used by then. */
export function startCpu(): Record<string, number> {
  return Object.fromEntries(marks.map(([stage, , cpu]) => [stage, cpu]));
}
