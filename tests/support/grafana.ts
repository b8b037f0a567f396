// Reading the Grafana dashboard in tests: every PromQL expression of its panels (and of its template
// variables), and the metric names they ask for.

const METRIC = /\b(?:station|process|nodejs)_[a-zA-Z0-9_]+/g;
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every `expr` of every panel (rows included) and every query-type template variable. */
export function dashboardExpressions(dashboard: {
  panels?: Panel[];
  templating?: { list?: { query?: unknown }[] };
}): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const walk = (panels: Panel[] = []) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: p.title ?? '(untitled)', expr: t.expr });
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query;
    if (q) out.push({ where: 'template variable', expr: q });
  }
  return out;
}

/** The metric names the dashboard's expressions use (label matchers and ranges left out), sorted. */
export function dashboardMetricNames(dashboard: Parameters<typeof dashboardExpressions>[0]): string[] {
  const names = new Set<string>();
  for (const { expr } of dashboardExpressions(dashboard)) {
    // Label matchers may quote anything; only names outside them count.
    const bare = expr.replace(/\{[^}]*\}/g, '{}').replace(/"[^"]*"/g, '""');
    for (const m of bare.matchAll(METRIC)) names.add(m[0]);
  }
  return [...names].sort();
}

/** Whether `name` is a family of `types` (`# TYPE` lines), or a histogram's `_bucket`/`_sum`/`_count`. */
export function knownFamily(name: string, types: ReadonlyMap<string, string>): boolean {
  if (types.has(name)) return true;
  const family = name.replace(HISTOGRAM_SERIES, '');
  return family !== name && (types.get(family) === 'histogram' || types.get(family) === 'summary');
}
