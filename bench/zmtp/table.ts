/** Renders the benchmark medians as a Markdown table with ours/theirs ratios against the issue's targets. */

/** One line of the report; `floor` is set only on the plain Bun echo rows. */
export interface Row {
  shape: string;
  transport: string;
  pinning: string;
  metric: 'msgs/s' | 'p50 µs' | 'p99 µs';
  ours: number;
  theirs: number;
  floor: number;
  /** Every run's value (in run order, ours and theirs of one run side by side), for the spread. */
  runs: Record<'ours' | 'theirs' | 'floor', readonly number[]>;
}

// Throughput must not be lower, p50 and p99 not higher (issue 3 set these; issue 23 tightened p99 from 1.5).
const limits: Record<Row['metric'], { ratio: number; higherIsBetter: boolean }> = {
  'msgs/s': { ratio: 1.0, higherIsBetter: true },
  'p50 µs': { ratio: 1.0, higherIsBetter: false },
  'p99 µs': { ratio: 1.0, higherIsBetter: false },
};
const floorLimit = 3;

function number(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 100 ? 0 : 1);
}

/** "median (min-max)" over the runs, or the plain median for a single run. */
function spread(median: number, values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return number(median);
  return `${number(median)} (${number(Math.min(...finite))}-${number(Math.max(...finite))})`;
}

/** Ratio of the medians, with the range of the per-run ratios when there were several runs. */
function ratios(row: Row): string {
  const perRun = row.runs.ours
    .map((ours, i) => ours / (row.runs.theirs[i] ?? Number.NaN))
    .filter(Number.isFinite);
  const median = ratio(row.ours / row.theirs);
  if (perRun.length < 2) return median;
  return `${median} (${ratio(Math.min(...perRun))}-${ratio(Math.max(...perRun))})`;
}

function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : 'n/a';
}

function verdict(met: boolean | undefined): string {
  if (met === undefined) return '-';
  return met ? 'yes' : 'NO';
}

/** Markdown table, one row per shape/transport/pinning/metric. */
export function renderTable(rows: readonly Row[]): string {
  const floors = new Map<string, number>();
  for (const row of rows) {
    if (Number.isFinite(row.floor)) floors.set(`${row.transport}|${row.pinning}|${row.metric}`, row.floor);
  }
  const header = [
    'Shape',
    'Transport',
    'Pinning',
    'Metric',
    'Ours (Bun)',
    'zeromq.js (Node)',
    'Ours/theirs',
    'Target',
    'Met',
    'Ours/floor',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    if (Number.isFinite(row.floor)) {
      lines.push(
        `| ${row.shape} | ${row.transport} | ${row.pinning} | ${row.metric} | ${spread(row.floor, row.runs.floor)} | ` +
          '- | - | floor | - | 1.00 |',
      );
      continue;
    }
    const limit = limits[row.metric];
    const r = row.ours / row.theirs;
    const met = Number.isFinite(r) ? (limit.higherIsBetter ? r >= limit.ratio : r <= limit.ratio) : undefined;
    const target = `${limit.higherIsBetter ? '>=' : '<='} ${limit.ratio.toFixed(1)}`;
    const floor = floors.get(`${row.transport}|${row.pinning}|${row.metric}`);
    let vsFloor = '-';
    if (floor !== undefined) {
      // A brokered round trip crosses two socket round trips, so its fair floor is two echoes.
      const hops = row.shape.startsWith('Broker') ? 2 : 1;
      const f = row.ours / (floor * hops);
      const label = hops === 1 ? ratio(f) : `${ratio(f)} per hop`;
      vsFloor = row.metric === 'p50 µs' ? `${label} (${verdict(f <= floorLimit)})` : label;
    }
    lines.push(
      `| ${row.shape} | ${row.transport} | ${row.pinning} | ${row.metric} | ${spread(row.ours, row.runs.ours)} | ` +
        `${spread(row.theirs, row.runs.theirs)} | ${ratios(row)} | ${target} | ${verdict(met)} | ${vsFloor} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Allocation and garbage collection of one round-trip case (medians over the runs). */
export interface GcRow {
  shape: string;
  transport: string;
  pinning: string;
  values: {
    /** JS heap cells allocated per round trip, all our processes of the case together. */
    objects: number;
    /** JS heap bytes per round trip (block capacity growth), same processes. */
    bytes: number;
    oursGcs: number;
    oursPause: number;
    oursMaxPause: number;
    /** JIT compile ms inside the measured phase, all our processes together. */
    oursJit: number;
    theirsGcs: number;
    theirsPause: number;
    theirsMaxPause: number;
  };
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(value >= 10 ? 0 : 1) : 'n/a';
}

/** Markdown table of allocation per round trip and collections during the measured round trips. */
export function renderGcTable(rows: readonly GcRow[], roundTrips: number): string {
  const header = [
    'Shape',
    'Transport',
    'Pinning',
    'Ours objects/round trip',
    'Ours bytes/round trip',
    `Ours GCs (${roundTrips.toLocaleString('en-US')} round trips)`,
    'Ours GC pause total / max ms',
    'Ours JIT ms',
    'zeromq.js GCs',
    'zeromq.js GC pause total / max ms',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const v = row.values;
    const floor = row.shape.startsWith('Plain');
    lines.push(
      `| ${row.shape} | ${row.transport} | ${row.pinning} | ${floor ? '-' : number(v.objects)} | ` +
        `${floor ? '-' : number(v.bytes)} | ${number(v.oursGcs)} | ${ms(v.oursPause)} / ${ms(v.oursMaxPause)} | ` +
        `${ms(v.oursJit)} | ` +
        `${floor ? '-' : number(v.theirsGcs)} | ${floor ? '-' : `${ms(v.theirsPause)} / ${ms(v.theirsMaxPause)}`} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
