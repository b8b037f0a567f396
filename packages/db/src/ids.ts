// Execution ids: `exec_` + a UUIDv7 without dashes. v7 starts with the time in milliseconds, so ids sort
// in creation order as text (handy in the sqlite3 CLI), and the random tail keeps processes from colliding.

/** A new, time-sortable execution id such as `exec_019ace0f6c1b7d3a9f2e5b8c4d1a0e7f`. */
export function newExecutionId(now: Date | number = Date.now()): string {
  return `exec_${Bun.randomUUIDv7('hex', now).replaceAll('-', '')}`;
}
