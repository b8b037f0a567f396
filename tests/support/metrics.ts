// Reading /metrics in tests: a parser of the Prometheus text exposition format (0.0.4, as prom-client
// writes it) that fails on any line it cannot read, and lookups of series by name and a subset of labels.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** `# TYPE` of each family. */
  types: Map<string, string>;
  /** `# HELP` of each family. */
  help: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(text: string, line: string): number {
  // As Prometheus reads them (Go's ParseFloat): NaN and Inf in any case; prom-client writes `Nan`.
  const special = text.toLowerCase();
  if (special === 'nan') return Number.NaN;
  if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new Error(`bad sample value in: ${line}`);
  return n;
}

function parseLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  for (;;) {
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const name = NAME.exec(text.slice(i))?.[0];
    if (!name || text[i + name.length] !== '=' || text[i + name.length + 1] !== '"')
      throw new Error(`bad label at ${i} in: ${line}`);
    i += name.length + 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      i++;
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i++];
        value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e}`;
      } else value += c;
    }
    if (Object.hasOwn(labels, name)) throw new Error(`label ${name} twice in: ${line}`);
    labels[name] = value;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`expected , or } at ${i} in: ${line}`);
  }
}

/** Parses a whole exposition; throws naming the first line it cannot read. */
export function parseExposition(text: string): Exposition {
  const out: Exposition = { samples: [], types: new Map(), help: new Map() };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
      if (m) (m[1] === 'TYPE' ? out.types : out.help).set(m[2]!, m[3]!);
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`bad sample line: ${line}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    const [value, timestamp, ...extra] = rest.trim().split(/\s+/);
    if (value === undefined || extra.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp)))
      throw new Error(`bad sample line: ${line}`);
    out.samples.push({ name, labels, value: parseValue(value, line) });
  }
  return out;
}

/** The samples named `name` whose labels include every one of `labels`. */
export function series(exp: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return exp.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The value of the one sample that matches; throws when none or several do. */
export function sampleValue(exp: Exposition, name: string, labels: Record<string, string> = {}): number {
  const found = series(exp, name, labels);
  if (found.length !== 1)
    throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]!.value;
}

/** The family names of an exposition (a histogram's `_bucket`/`_sum`/`_count` under its own name). */
export function familyNames(exp: Exposition): Set<string> {
  return new Set(exp.types.keys());
}

/** A prom-client metric's current value for one label set (0 when it has none). */
export async function metricValue(
  metric: {
    get(): Promise<{ values: { value: number; labels: Partial<Record<string, string | number>> }[] }>;
  },
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return found?.value ?? 0;
}
