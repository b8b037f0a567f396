// One uPlot chart as a React component: made when its data or options change, sized to its box, destroyed
// with it. Only the chart screens import this file, so uPlot travels in their lazily loaded chunk.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

/** Colours of the station's dark theme (styles.css), for canvas drawing that CSS cannot reach. */
export const COLORS = {
  text: '#eef2f6',
  muted: '#9aa7b4',
  grid: '#333d49',
  run: '#2f8cff',
  pass: '#1fbf5f',
  fail: '#ff4d4d',
  warn: '#ffb020',
} as const;

/** The axes' labels, in CSS pixels as uPlot takes them. */
const AXIS_FONT = '14px system-ui, "Noto Sans KR", sans-serif';

/** An axis in the theme's colours. */
export function axis(extra: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: COLORS.text,
    grid: { stroke: COLORS.grid, width: 1 },
    ticks: { stroke: COLORS.grid, width: 1 },
    font: AXIS_FONT,
    ...extra,
  };
}

let measure: CanvasRenderingContext2D | null | undefined;

/**
 * An axis `size` that fits its widest label, at least `minimum`: a fixed size cut "Middle of the limits"
 * short in English, and wasted a phone's width on Korean's shorter words.
 */
export function fitLabels(minimum: number): uPlot.Axis.Size {
  return (_u, values) => {
    measure ??= document.createElement('canvas').getContext('2d');
    if (!measure || !values) return minimum;
    measure.font = AXIS_FONT;
    const ctx = measure;
    const widest = Math.max(0, ...values.map((v) => ctx.measureText(v).width));
    // Between the plot and a label uPlot puts its tick (10 px) and a gap (5 px); a little air after it.
    return Math.max(minimum, Math.ceil(widest) + 10 + 5 + 8);
  };
}

/** A series drawn as dots only (no line between them). */
export function dots(label: string, color: string, size = 9): uPlot.Series {
  return {
    label,
    stroke: color,
    fill: color,
    width: 0,
    paths: () => null,
    points: { show: true, size, stroke: color, fill: color, space: 0 },
  };
}

/** A constant line (a limit, a mean): dashed unless said otherwise, no dots. */
export function level(label: string, color: string, dash: number[] = [8, 6]): uPlot.Series {
  return { label, stroke: color, width: 2, dash, points: { show: false }, spanGaps: true };
}

let css: Promise<void> | undefined;

/**
 * uPlot's stylesheet and the charts' own (one file the build copies next to the page), linked on first use;
 * resolves once it applies, so a chart is never drawn with its legend unstyled. A sheet that fails to load
 * still resolves: a plain chart beats none.
 */
function chartCss(): Promise<void> {
  css ??= new Promise<void>((resolve) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = '/charts.css';
    link.onload = () => resolve();
    link.onerror = () => resolve();
    document.head.append(link);
  });
  return css;
}

/** The element a chart is drawn in, with its uPlot (tests and devtools read `uplot.data`). */
export type ChartElement = HTMLDivElement & { uplot?: uPlot };

export function UPlot({
  options,
  data,
  label,
  testId,
}: {
  /** Everything but the size, which follows the element. */
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  /** What the chart shows, for people who cannot see it (the numbers are in a table beside it). */
  label: string;
  testId?: string;
}) {
  const ref = useRef<ChartElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let chart: uPlot | undefined;
    let resize: ResizeObserver | undefined;
    let gone = false;
    void chartCss().then(() => {
      if (gone) return;
      const width = () => Math.max(280, el.clientWidth);
      const made = new uPlot({ ...options, width: width() }, data, el);
      chart = made;
      el.uplot = made;
      resize = new ResizeObserver(() => {
        if (Math.abs(made.width - width()) > 1) made.setSize({ width: width(), height: options.height });
      });
      resize.observe(el);
    });
    return () => {
      gone = true;
      resize?.disconnect();
      chart?.destroy();
      el.uplot = undefined;
    };
  }, [options, data]);
  return <div ref={ref} className="chart" role="img" aria-label={label} data-testid={testId} />;
}
