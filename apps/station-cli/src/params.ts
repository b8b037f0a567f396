// The `--param name=value` and `--hardware name=driver` of `station run`: text from the command line made
// into the typed values a start request carries, then checked by the engine's own rules.
import type { HardwareConfigMap, Manifest } from '@station/sequence';

/** A `name=value` the command line got wrong. */
export class AssignmentError extends Error {
  override readonly name = 'AssignmentError';
}

/** Splits each `name=value` (the value may contain `=`); a name given twice is refused. */
export function assignments(list: readonly string[], option: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new AssignmentError(`--${option} ${JSON.stringify(item)}: expected name=value`);
    const name = item.slice(0, eq);
    if (out.has(name)) throw new AssignmentError(`--${option} ${name} is given twice`);
    out.set(name, item.slice(eq + 1));
  }
  return out;
}

/**
 * Reads each value as its parameter's manifest type (`5` as a number, `true` as a boolean). A value that
 * does not read as that type, or a name the manifest lacks, is passed on as text so that
 * `resolveParameters` refuses it with the message a start request would get.
 */
export function typedParams(
  manifest: Pick<Manifest, 'parameters'>,
  given: Map<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, text] of given) {
    const type = Object.hasOwn(manifest.parameters, name) ? manifest.parameters[name]?.type : undefined;
    out[name] = typed(type, text);
  }
  return out;
}

function typed(type: string | undefined, text: string): unknown {
  if (type === 'number' || type === 'integer') {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? n : text;
  }
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/** `--hardware psu=my_psu` as the batch config's hardware map: which driver serves each hardware name. */
export function hardwareConfig(given: Map<string, string>): HardwareConfigMap {
  const out: Record<string, { driver: string }> = {};
  for (const [name, driver] of given) {
    if (driver === '') throw new AssignmentError(`--hardware ${name}= names no driver`);
    out[name] = { driver };
  }
  return out;
}
