/**
 * Line charts, drawn by uPlot (about 20 KB gzipped with its styles). Pages import this module
 * with `import()`, so a chart's code loads with the first chart and not with every page.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Line {
  label: string;
  /** One value per x, in the chart's unit (major units for money: only pixels are drawn from it). */
  values: number[];
  color: string;
}

export interface LineChart {
  destroy(): void;
}

/**
 * Draws `lines` over `xs` (seconds since the epoch) into `into`, as wide as it is and kept so
 * as it resizes. `tick` labels the y axis, `day` the x axis, `xLabel` names x in the legend.
 */
export function drawLines(into: HTMLElement, xs: number[], lines: Line[], tick: (value: number) => string, day: (seconds: number) => string, xLabel: string): LineChart {
  const plot = new uPlot(
    {
      width: into.clientWidth || 600,
      height: 240,
      series: [{ label: xLabel, value: (_, seconds) => (seconds == null ? '' : day(seconds)) }, ...lines.map((line) => ({ label: line.label, stroke: line.color, width: 2, points: { show: true }, value: (_: uPlot, value: number | null) => (value == null ? '' : tick(value)) }))],
      axes: [{ values: (_, ticks) => ticks.map(day) }, { values: (_, ticks) => ticks.map(tick), size: 80 }],
    },
    [xs, ...lines.map((line) => line.values)],
    into,
  );
  const resize = new ResizeObserver(() => plot.setSize({ width: into.clientWidth || 600, height: 240 }));
  resize.observe(into);
  return {
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}
