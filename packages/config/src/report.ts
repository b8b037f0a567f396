// Collects issues against JSON pointers into the loaded data and places each one in the file: the value's
// own position when it was written, else the closest written ancestor (a missing key points at its section).
import type { ConfigIssue } from './errors.ts';
import { childPath, type Origin, type SourceTree } from './tree.ts';

/** Optional parts of an issue. `atKey` points at the key rather than its value (unknown keys). */
export interface IssueDetails {
  expected?: string;
  found?: string;
  atKey?: boolean;
}

/** Fields whose values are secrets even when written literally in the file. */
const SECRET_POINTERS = [/^\/backend\/api_key$/, /^\/server\/auth\/api_keys(\/|$)/];
/** Key and variable names that look like secrets anywhere (a hardware option `password`, `STATION_JWT_SECRET`). */
export const SECRET_NAME = /(api_?key|password|passwd|secret|token|credential)/i;

/** Whether the value at `pointer` must never be shown. */
export function isSecretPointer(pointer: string, origin?: Origin): boolean {
  if (origin?.fromEnv) return true;
  if (SECRET_POINTERS.some((re) => re.test(pointer))) return true;
  const last = pointer.slice(pointer.lastIndexOf('/') + 1);
  return SECRET_NAME.test(last);
}

/** Describes a found value for an error message, hiding secrets. */
export function describeValue(value: unknown, secret: boolean, origin?: Origin): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (secret) {
    const vars = origin?.fromEnv;
    return vars ? `the value of \${${vars.join('}, ${')}} (hidden)` : `a ${typeof value} (hidden)`;
  }
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  return String(value);
}

const ROOT: Origin = { path: '', valueOffset: 0 };

/** Issues of one file, in the order found. */
export class IssueList {
  readonly issues: ConfigIssue[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly tree: SourceTree,
    private readonly file: string,
  ) {}

  /** The origin recorded for a pointer, if that value was written in the file. */
  origin(pointer: string): Origin | undefined {
    return this.tree.origins.get(pointer);
  }

  /** Describes the value at `pointer` for a message, hidden when it is a secret. */
  describe(pointer: string, value: unknown): string {
    const origin = this.origin(pointer);
    return describeValue(value, isSecretPointer(pointer, origin), origin);
  }

  /** Whether an issue was added at `pointer` or anywhere below it. */
  hasIssueWithin(pointer: string): boolean {
    for (const seen of this.seen) if (seen === pointer || seen.startsWith(`${pointer}/`)) return true;
    return false;
  }

  /** Adds an issue; a second issue for the same path is dropped (the first is the most telling). */
  add(pointer: string, message: string, details: IssueDetails = {}): void {
    if (this.seen.has(pointer)) return;
    this.seen.add(pointer);
    const { path, offset } = this.locate(pointer, details.atKey);
    const issue: ConfigIssue = { file: this.file, ...this.tree.position(offset), path, message };
    if (details.expected !== undefined) issue.expected = details.expected;
    if (details.found !== undefined) issue.found = details.found;
    this.issues.push(issue);
  }

  private locate(pointer: string, atKey = false): { path: string; offset: number } {
    const own = this.tree.origins.get(pointer);
    if (own) return { path: own.path, offset: atKey ? (own.keyOffset ?? own.valueOffset) : own.valueOffset };
    // Not written in the file: build the path from the nearest written ancestor and point at it.
    const segments = pointer.split('/').slice(1);
    const missing: string[] = [];
    while (segments.length > 0) {
      missing.unshift(segments.pop() ?? '');
      const ancestor =
        segments.length > 0
          ? this.tree.origins.get(`/${segments.join('/')}`)
          : (this.tree.origins.get('') ?? ROOT);
      if (ancestor) {
        const path = missing
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
          .reduce((p, key) => childPath(p, key), ancestor.path);
        return { path, offset: ancestor.keyOffset ?? ancestor.valueOffset };
      }
    }
    return { path: '', offset: 0 };
  }
}
