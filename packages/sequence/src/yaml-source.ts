// Reads manifest YAML into plain data while remembering where each value sits, so that schema and
// semantic problems can name a line and column instead of only a field path.
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** A 1-based position in the text. */
export interface Position {
  line: number;
  column: number;
}

/** Parsed YAML plus a lookup from JSON pointer (`/steps/1/timeout`) to the position of that value. */
export interface YamlSource {
  value: unknown;
  /** Syntax errors; `value` is undefined when there are any. */
  errors: { message: string; position: Position }[];
  /** Position of the value at `pointer`, or of its closest ancestor that exists in the file. */
  locate(pointer: string): Position;
  /** Position of the key of the entry at `pointer` (the value's position when there is no key). */
  locateKey(pointer: string): Position;
}

/** Turns a JSON pointer into the human path used in messages: `/steps/1/timeout` -> `steps[1].timeout`. */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function escapeSegment(seg: string | number): string {
  return String(seg).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Parses YAML text; never throws. */
export function readYaml(text: string): YamlSource {
  const counter = new LineCounter();
  const at = (offset: number): Position => {
    const p = counter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const values = new Map<string, number>();
  const keys = new Map<string, number>();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });

  const nearest = (map: Map<string, number>, pointer: string): Position => {
    let p = pointer;
    for (;;) {
      const hit = map.get(p) ?? values.get(p);
      if (hit !== undefined) return at(hit);
      if (p === '') return { line: 1, column: 1 };
      p = p.slice(0, p.lastIndexOf('/'));
    }
  };
  const source: YamlSource = {
    value: undefined,
    errors: doc.errors.map((e) => ({
      message: e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? e.code,
      position: at(e.pos[0]),
    })),
    locate: (pointer) => nearest(values, pointer),
    locateKey: (pointer) => nearest(keys, pointer),
  };
  if (source.errors.length > 0) return source;

  const walk = (node: unknown, pointer: string, depth = 0): unknown => {
    const range = (node as Node | null)?.range;
    if (range && !values.has(pointer)) values.set(pointer, range[0]);
    // An alias (`*common`) reads as the anchored value; positions stay at the alias, where the author looks.
    // The depth cap stops an alias cycle from recursing forever.
    if (isAlias(node)) return depth > 32 ? undefined : walk(node.resolve(doc), pointer, depth + 1);
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const child = `${pointer}/${escapeSegment(key)}`;
        const keyRange = (pair.key as Node | null)?.range;
        if (keyRange) keys.set(child, keyRange[0]);
        // A key with no value sits where its key is, so "missing" problems point at the right line.
        if (pair.value == null && keyRange) values.set(child, keyRange[0]);
        out[key] = pair.value == null ? null : walk(pair.value, child, depth + 1);
      }
      return out;
    }
    if (isSeq(node)) return node.items.map((item, i) => walk(item, `${pointer}/${i}`, depth + 1));
    if (isScalar(node)) return node.value;
    return undefined;
  };
  source.value = doc.contents == null ? {} : walk(doc.contents, '');
  return source;
}
