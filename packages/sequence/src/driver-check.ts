// Finds a driver by name (the package's drivers/<name>.ts first, then the built-ins) and checks that it
// implements the driver interface before anything tries to connect it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_DRIVERS } from './drivers/index.ts';
import { messageOf } from './errors.ts';
import { importErrorPosition } from './import-error.ts';
import { isValidPackageName, PACKAGE_NAME_RULE } from './names.ts';
import type { DriverDefinition } from './sdk.ts';
import type { Position } from './yaml-source.ts';

/** Where a driver came from. */
export type DriverOrigin = 'package' | 'builtin';

/** The outcome of looking a driver up: a definition, or why there is none (`missing` or `invalid`). */
export type DriverLookup =
  | { ok: true; definition: DriverDefinition; origin: DriverOrigin; file?: string }
  | {
      ok: false;
      reason: 'missing' | 'invalid';
      message: string;
      file?: string;
      /** Where in `file` an import failed, when the error says. */
      position?: Position;
    };

const isFn = (v: unknown): boolean => typeof v === 'function';

/** What is wrong with a driver instance's shape, or `undefined` when it implements `Driver`. */
export function driverShapeProblem(driver: unknown): string | undefined {
  if (typeof driver !== 'object' || driver === null) return 'create() did not return an object';
  const d = driver as Record<string, unknown>;
  const missing = ['connect', 'disconnect'].filter((k) => !isFn(d[k]));
  if (missing.length > 0) return `missing method ${missing.join(' and ')}()`;
  if (d.safeState !== undefined && !isFn(d.safeState)) return 'safeState must be a function';
  if (typeof d.commands !== 'object' || d.commands === null) return 'missing "commands" object';
  for (const [name, c] of Object.entries(d.commands as Record<string, unknown>)) {
    const cmd = c as Record<string, unknown> | null;
    if (typeof cmd !== 'object' || cmd === null || !isFn(cmd.run)) return `command "${name}" has no run()`;
    if (typeof cmd.params !== 'object' || cmd.params === null)
      return `command "${name}" has no params schema`;
    if (typeof cmd.description !== 'string') return `command "${name}" has no description`;
  }
  return undefined;
}

/** Checks a definition: a `create` function whose product, made with default options, is a Driver. */
export function definitionProblem(def: unknown, defaults: Record<string, unknown> = {}): string | undefined {
  if (typeof def !== 'object' || def === null || !isFn((def as DriverDefinition).create)) {
    return 'default export must be a driver definition with a create(options, env) function';
  }
  try {
    // Creating an instance is side-effect free by contract (connect() is where I/O starts), so this is a
    // safe way to see the shape the runner will get.
    const instance = (def as DriverDefinition).create(defaults, { name: 'check', peer: () => undefined });
    return driverShapeProblem(instance);
  } catch (err) {
    return `create() threw: ${messageOf(err)}`;
  }
}

/** Looks up driver `name` for the package at `dir`, importing drivers/<name>.ts when it exists. */
export async function findDriver(dir: string, name: string, cacheKey = ''): Promise<DriverLookup> {
  if (!isValidPackageName(name))
    return {
      ok: false,
      reason: 'missing',
      message: `invalid driver name "${name}": expected ${PACKAGE_NAME_RULE}`,
    };
  const file = `drivers/${name}.ts`;
  const path = join(dir, file);
  if (existsSync(path)) {
    let mod: { default?: unknown };
    try {
      // The query string gives each package version its own module instance, so an edited driver is
      // re-imported instead of served from the module cache.
      mod = (await import(`${path}?v=${cacheKey}`)) as { default?: unknown };
    } catch (err) {
      const message = `cannot import ${file}: ${messageOf(err)}`;
      const position = importErrorPosition(err, path);
      return { ok: false, reason: 'invalid', file, message, ...(position ? { position } : {}) };
    }
    const problem = definitionProblem(mod.default);
    if (problem) return { ok: false, reason: 'invalid', file, message: `${file}: ${problem}` };
    return { ok: true, definition: mod.default as DriverDefinition, origin: 'package', file };
  }
  const builtin = Object.hasOwn(BUILTIN_DRIVERS, name) ? BUILTIN_DRIVERS[name] : undefined;
  if (builtin) return { ok: true, definition: builtin, origin: 'builtin' };
  const known = Object.keys(BUILTIN_DRIVERS).join(', ');
  return {
    ok: false,
    reason: 'missing',
    message: `unknown driver "${name}": no ${file} in the package and no built-in driver of that name (built-in: ${known})`,
  };
}
