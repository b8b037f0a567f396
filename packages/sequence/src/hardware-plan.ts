// Checks a batch's hardware configuration against its package without touching an instrument: which
// driver serves each hardware entry, and the options it will get. The runner opens hardware from this
// plan; a station checks its configuration with it at start.
import { findDriver } from './driver-check.ts';
import { checkField, describeValue } from './fields.ts';
import type { Manifest } from './manifest-schema.ts';
import type { DriverDefinition, SimpleSchema } from './sdk.ts';

/**
 * The batch config's hardware section: hardware name -> driver plus driver options. Readonly, so
 * `@station/config`'s `BatchConfig['hardware']` can be passed as-is.
 */
export type HardwareConfigMap = Readonly<
  Record<string, { readonly driver: string; readonly [option: string]: unknown }>
>;

/**
 * One thing wrong with a hardware entry. `kind` says where it belongs: the entry's `driver`, an option
 * the driver does not know, an option's value, or a required option nobody gave.
 */
export interface HardwareProblem {
  hardware: string;
  option: string;
  kind: 'driver' | 'unknown_option' | 'bad_value' | 'missing_option';
  message: string;
  /** The driver serving the entry (absent when it could not be found). */
  driver?: string;
  /** With `unknown_option`: the options the driver and the manifest declare. */
  known?: string[];
  /** With `bad_value`: what the option's spec wants, in words. */
  expected?: string;
}

/** What the package needs of `planHardware`: its manifest, folder and hash, and the drivers it loaded. */
export type HardwarePackage = {
  manifest: Pick<Manifest, 'name' | 'hardware'>;
  dir: string;
  hash: string;
  drivers: Record<string, DriverDefinition>;
};

/** Each hardware entry's driver and merged options, or every problem with the configuration. */
export interface HardwarePlan {
  /** Configured hardware names the package does not declare. */
  undeclared: string[];
  problems: HardwareProblem[];
  entries: { name: string; driverName: string; def: DriverDefinition; options: Record<string, unknown> }[];
}

function mergeOptions(
  hardware: string,
  driver: string,
  declared: SimpleSchema,
  driverSchema: SimpleSchema | undefined,
  given: Record<string, unknown>,
  problems: HardwareProblem[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // The manifest's declarations first, then the driver's own: a package may tighten or default an option.
  for (const schema of [driverSchema ?? {}, declared]) {
    for (const [name, spec] of Object.entries(schema))
      if (spec.default !== undefined) out[name] = spec.default;
  }
  Object.assign(out, given);
  for (const schema of [declared, driverSchema ?? {}]) {
    for (const [name, spec] of Object.entries(schema)) {
      const value = out[name];
      if (value === undefined) {
        if (spec.required)
          problems.push({ hardware, driver, option: name, kind: 'missing_option', message: 'is required' });
        continue;
      }
      const bad = checkField(spec, value);
      if (bad)
        problems.push({
          hardware,
          driver,
          option: name,
          kind: 'bad_value',
          message: bad.message,
          expected: bad.expected,
        });
    }
  }
  // A driver that declares its options rejects the rest, so a typo (`nosie: 0.1`) is not silently ignored.
  if (driverSchema) {
    for (const name of Object.keys(given)) {
      if (!(name in driverSchema) && !(name in declared)) {
        const known = Object.keys(driverSchema).join(', ');
        problems.push({
          hardware,
          driver,
          option: name,
          kind: 'unknown_option',
          known: Object.keys({ ...driverSchema, ...declared }),
          message: `unknown option ${describeValue(given[name])} (known: ${known})`,
        });
      }
    }
  }
  return out;
}

/**
 * Resolves the driver of every hardware entry the package declares (the batch config may name another
 * driver) and merges and checks its options. Imports package drivers; connects nothing.
 */
export async function planHardware(
  pkg: HardwarePackage,
  config: HardwareConfigMap = {},
): Promise<HardwarePlan> {
  const declared = pkg.manifest.hardware;
  const undeclared = Object.keys(config).filter((name) => !Object.hasOwn(declared, name));
  const problems: HardwareProblem[] = [];
  const entries: HardwarePlan['entries'] = [];
  for (const [name, spec] of Object.entries(declared)) {
    const entry = Object.hasOwn(config, name) ? config[name] : undefined;
    const { driver: configured, ...given } = entry ?? { driver: spec.driver };
    const driverName = configured || spec.driver;
    let def = pkg.drivers[driverName];
    if (!def) {
      const found = await findDriver(pkg.dir, driverName, pkg.hash);
      if (!found.ok) {
        problems.push({ hardware: name, option: 'driver', kind: 'driver', message: found.message });
        continue;
      }
      def = found.definition;
    }
    entries.push({
      name,
      driverName,
      def,
      options: mergeOptions(name, driverName, spec.options, def.options, given, problems),
    });
  }
  return { undeclared, problems, entries };
}
