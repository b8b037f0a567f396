// Names never accepted as a field or parameter name where a request enters the station (HTTP body, bus
// frame, runtime parameters): in JavaScript they reach an object's prototype (`__proto__`) or shadow what
// every object inherits (`constructor`, `prototype`), so a value keyed by them is never plain data.

/** The reserved names, refused at every depth of a request body. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether `name` may not be used as a field or parameter name. */
export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name);
}

/** `name` escaped for a JSON pointer segment (RFC 6901). */
function pointerSegment(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON pointer of the first reserved key anywhere in a parsed JSON value, or undefined. Walks with its
 * own stack: a body nested deeper than the call stack must be refused, not crash the reader.
 * @example findReservedKey(JSON.parse('{"parameters":{"__proto__":{}}}')) // '/parameters/__proto__'
 */
export function findReservedKey(value: unknown): string | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const v = item.value;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const [i, element] of v.entries()) stack.push({ value: element, path: `${item.path}/${i}` });
      continue;
    }
    for (const [key, child] of Object.entries(v)) {
      const path = `${item.path}/${pointerSegment(key)}`;
      if (isReservedName(key)) return path;
      stack.push({ value: child, path });
    }
  }
  return undefined;
}
