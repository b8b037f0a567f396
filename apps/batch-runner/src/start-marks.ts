// Where a runner's start goes: the time since the process began (performance.now(), whose origin is the
// process's start) at each stage of the start, logged once the warm-up after registration is done ("runner
// start timings", with `startedAt`, the process's start in epoch ms) so a slow start can be read from the
// runner's log; bench/runner/start.ts prints the breakdown (docs/runner.md, "Start-up").

/** Stage name -> ms since the process started, in the order reached. */
const marks: [string, number][] = [];

/** Records that the start reached `stage` now. */
export function markStart(stage: string): void {
  marks.push([stage, Math.round(performance.now() * 10) / 10]);
}

/** The stages reached so far, each with the ms since the process started. */
export function startMarks(): Record<string, number> {
  return Object.fromEntries(marks);
}
