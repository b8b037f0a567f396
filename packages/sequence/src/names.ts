// The one rule for a sequence package's name, which station.yaml (`batches[].sequence_package`), the
// manifest's `name`, the loader, the gateway's routes and the station CLI all check. The name becomes a
// folder under sequences_dir and an archive `<name>-<version>.tgz`, and arrives in URLs: so no dot (no
// `.`/`..`, no hidden folder, no confusion with the version's dots or an extension), no separator, and a
// bound on the length. Driver and hardware names, which become `drivers/<name>.ts` and keys, follow it too.

/** The rule as a schema pattern. */
export const PACKAGE_NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

/** The rule in words, for error messages. */
export const PACKAGE_NAME_RULE = '1-64 letters, digits, "_" or "-"';

const PACKAGE_NAME = new RegExp(PACKAGE_NAME_PATTERN);

/**
 * True when `name` may name a sequence package (and so a folder, an archive, a URL segment).
 * @example isValidPackageName('psu_functional') // true; 'psu.functional' and '..' are false
 */
export function isValidPackageName(name: string): boolean {
  return PACKAGE_NAME.test(name);
}
