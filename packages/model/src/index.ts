// @station/model: every shape that crosses a process boundary, defined once as a TypeBox schema with its
// static type: results, events, batch status, error codes. Writers, readers, HTTP routes and the UI
// import it from here.
export * from './batch.ts';
export * from './dut.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './host.ts';
export * from './prompt.ts';
export * from './result.ts';
export * from './schema.ts';
export * from './stats.ts';
export * from './sync.ts';
export * from './trend.ts';
export * from './version.ts';
export * from './ws.ts';
export * from './yield-series.ts';
