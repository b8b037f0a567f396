// Turns a parsed YAML document into plain data while remembering where every value came from, so that
// later errors (schema, semantic) can name a line and column. `${VAR}` substitution happens here, on each
// string scalar, for the same reason.
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { ConfigIssue } from './errors.ts';
import { type Env, substituteEnv } from './substitute.ts';

/** Where one value sits in the file; offsets are 0-based into the text. */
export interface Origin {
  /** Human path, e.g. `batches[1].hardware.psu`. */
  path: string;
  keyOffset?: number;
  valueOffset: number;
  /** Variables substituted into this value from the environment (the value is then a secret). */
  fromEnv?: string[];
}

/** A problem found while reading values (unset variable, odd key), placed later by its pointer. */
export interface TreeProblem {
  pointer: string;
  message: string;
}

/** A YAML file as data plus a map from JSON pointer (`/batches/1/id`) to origin. */
export interface SourceTree {
  value: unknown;
  origins: Map<string, Origin>;
  /** YAML syntax errors; when there are any, `value` is undefined. */
  syntaxIssues: ConfigIssue[];
  problems: TreeProblem[];
  /** Converts an offset in the text to a 1-based line and column. */
  position(offset: number): { line: number; column: number };
}

/** Escapes a key for a JSON pointer segment (RFC 6901), matching TypeBox's error paths. */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Appends a key to a human path: `a.b`, `a[0]`, or `a["odd key"]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

const MAX_DEPTH = 64;

/**
 * Parses YAML text. Syntax errors come back as issues (all of them) with `value` undefined; substitution
 * problems come back as problems next to a usable value. `env` null: the values as written, unsubstituted.
 */
export function readTree(text: string, file: string, env: Env | null): SourceTree {
  const lineCounter = new LineCounter();
  const position = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const tree: SourceTree = { value: undefined, origins: new Map(), syntaxIssues: [], problems: [], position };
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      // The library's message may quote the offending line, which could hold a literal secret: keep only
      // the description.
      const message = err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? err.code;
      tree.syntaxIssues.push({ file, ...position(err.pos[0]), path: '', message: lowerFirst(message) });
    }
    return tree;
  }
  const problem = (pointer: string, message: string) => tree.problems.push({ pointer, message });

  const walk = (
    node: unknown,
    pointer: string,
    path: string,
    keyOffset: number | undefined,
    depth: number,
  ): unknown => {
    if (depth > MAX_DEPTH) {
      problem(pointer, `nesting deeper than ${MAX_DEPTH} levels`);
      return undefined;
    }
    const resolved = isAlias(node) ? node.resolve(doc as Document) : node;
    // An empty value has no text of its own; its key is where the reader should look.
    const empty = isScalar(resolved) && resolved.value === null;
    const origin: Origin = {
      path,
      keyOffset,
      valueOffset: (empty ? keyOffset : undefined) ?? offsetOf(node),
    };
    tree.origins.set(pointer, origin);
    if (isMap(resolved)) {
      const out: Record<string, unknown> = {};
      for (const pair of resolved.items) {
        const keyNode = pair.key;
        const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
        if (key === undefined) {
          problem(pointer, 'keys must be plain strings, not lists or mappings');
          continue;
        }
        const at = offsetOf(keyNode);
        const childPointer = `${pointer}/${pointerSegment(key)}`;
        const child =
          pair.value == null
            ? nullAt(tree, childPointer, childPath(path, key), at)
            : walk(pair.value, childPointer, childPath(path, key), at, depth + 1);
        out[key] = child;
      }
      return out;
    }
    if (isSeq(resolved)) {
      return resolved.items.map((item, i): unknown =>
        walk(item, `${pointer}/${i}`, childPath(path, i), undefined, depth + 1),
      );
    }
    if (isScalar(resolved)) {
      if (typeof resolved.value !== 'string' || env === null) return resolved.value;
      const sub = substituteEnv(resolved.value, env);
      // One message per value: the issue list keeps a single issue per field.
      if (sub.problems.length > 0) problem(pointer, sub.problems.join('; '));
      if (sub.fromEnv.length > 0) origin.fromEnv = sub.fromEnv;
      return sub.value;
    }
    return undefined;
  };

  // An empty file (or only comments) is an empty mapping: the required keys then say what is missing.
  const value = doc.contents == null ? null : walk(doc.contents, '', '', undefined, 0);
  tree.value = value ?? {};
  return tree;
}

function nullAt(tree: SourceTree, pointer: string, path: string, offset: number): null {
  tree.origins.set(pointer, { path, keyOffset: offset, valueOffset: offset });
  return null;
}

function offsetOf(node: unknown): number {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : 0;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/**
 * sha256 (hex) of `text` when Bun's own YAML parser reads it exactly as `readTree` does, else undefined.
 * They differ on constructs a station.yaml has no use for (duplicate keys, `<<` merge keys, complex keys,
 * several documents): a file using one never gets a digest. A process given the digest of the file it
 * reads may read it with `readTreeFast`, hundreds of times faster (a runner of a 100-batch station reads
 * the whole file at every start).
 */
export function fastReadDigest(text: string): string | undefined {
  const full = readTree(text, '', null);
  if (full.syntaxIssues.length > 0 || full.problems.length > 0) return undefined;
  const fast = readTreeFast(text, null);
  if (!fast || fast.problems.length > 0 || !Bun.deepEquals(full.value, fast.value, true)) return undefined;
  return textDigest(text);
}

/** sha256 (hex) of the text, as `fastReadDigest` gives it. */
export function textDigest(text: string): string {
  return new Bun.CryptoHasher('sha256').update(text).digest('hex');
}

/**
 * `readTree` by Bun's YAML parser: the same values, substitutions and problems, but no positions (every
 * value placed at the file's start). Only for text whose `fastReadDigest` was given: a caller that finds
 * problems reads the file again with `readTree` to place them. Undefined when Bun cannot parse it.
 */
export function readTreeFast(text: string, env: Env | null): SourceTree | undefined {
  let parsed: unknown;
  try {
    parsed = Bun.YAML.parse(text);
  } catch {
    return undefined;
  }
  const tree: SourceTree = {
    value: undefined,
    origins: new Map(),
    syntaxIssues: [],
    problems: [],
    position: () => ({ line: 1, column: 1 }),
  };
  const walk = (node: unknown, pointer: string, path: string, depth: number): unknown => {
    if (depth > MAX_DEPTH) {
      tree.problems.push({ pointer, message: `nesting deeper than ${MAX_DEPTH} levels` });
      return undefined;
    }
    const origin: Origin = { path, valueOffset: 0 };
    tree.origins.set(pointer, origin);
    if (Array.isArray(node)) {
      return node.map((item, i): unknown => walk(item, `${pointer}/${i}`, childPath(path, i), depth + 1));
    }
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        const childPointer = `${pointer}/${pointerSegment(key)}`;
        out[key] = walk(value, childPointer, childPath(path, key), depth + 1);
      }
      return out;
    }
    if (typeof node !== 'string' || env === null) return node;
    const sub = substituteEnv(node, env);
    if (sub.problems.length > 0) tree.problems.push({ pointer, message: sub.problems.join('; ') });
    if (sub.fromEnv.length > 0) origin.fromEnv = sub.fromEnv;
    return sub.value;
  };
  tree.value = parsed == null ? {} : walk(parsed, '', '', 0);
  return tree;
}
