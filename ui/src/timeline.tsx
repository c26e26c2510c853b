/**
 * The shared timeline: one row per job on one time axis, drawn with Chart.js (a floating-bar
 * chart for the runs and a scatter layer for the markers). The chart is created once and updated
 * in place on every refresh, without animation, so it never flickers.
 */
import {
  BarController,
  BarElement,
  Chart,
  type ChartDataset,
  LinearScale,
  type Plugin,
  PointElement,
  ScatterController,
  type ScriptableContext,
  Tooltip,
  type TooltipItem,
} from 'chart.js';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { JobView } from './api-types.js';
import { describeRun, formatDuration, formatTime } from './format.js';
import { type BarFill, barStyles, lagStyle, markerStyles, nowStyle } from './outcome-style.js';
import { attemptStartsMs, buildTimeline, type TimelineBar, type TimelineMarker, type TimelineModel } from './timeline-data.js';

Chart.register(BarController, BarElement, ScatterController, PointElement, LinearScale, Tooltip);

/** A point of any of the chart's layers, carrying what its tooltip says. */
interface TimelinePoint {
  x: number | [number, number];
  y: number;
  tip: string[];
  title: string;
  bar?: TimelineBar;
  marker?: TimelineMarker;
}

/** Nice steps for the time axis, in ms. */
const STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400].map(
  (sec) => sec * 1_000,
);
const LARGEST_STEP_MS = Math.max(...STEPS_MS);

/** The smallest nice step that keeps about `maxTicks` ticks across `spanMs`. */
function axisStepMs(spanMs: number, maxTicks: number): number {
  return STEPS_MS.find((stepMs) => spanMs / stepMs <= maxTicks) ?? LARGEST_STEP_MS;
}

const ROW_PX = 58;
const AXIS_PX = 34;

/** Where a lane of a row sits on the y axis (rows are 1 apart; markers go above the bars). */
function laneY(row: number, lane: number, lanes: number): number {
  const gap = lanes > 1 ? Math.min(0.24, 0.42 / (lanes - 1)) : 0;
  return row + 0.1 + lane * gap - (lanes > 1 ? 0.1 : 0);
}
const markerY = (row: number): number => row - 0.3;

const patterns = new Map<string, CanvasPattern | string>();

/** A canvas pattern for a bar fill, so outcome is not told by colour alone. */
function fillOf(color: string, fill: BarFill): CanvasPattern | string {
  if (fill === 'solid') return color;
  if (fill === 'hollow') return `${color}33`;
  const key = `${color}|${fill}`;
  const cached = patterns.get(key);
  if (cached) return cached;
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const ctx = tile.getContext('2d');
  if (!ctx) return color;
  ctx.fillStyle = `${color}55`;
  ctx.fillRect(0, 0, 8, 8);
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  if (fill === 'stripes') {
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.moveTo(-2, 10);
    ctx.lineTo(10, -2);
    ctx.moveTo(-2, 2);
    ctx.lineTo(2, -2);
    ctx.moveTo(6, 10);
    ctx.lineTo(10, 6);
    ctx.stroke();
  } else {
    ctx.beginPath();
    ctx.arc(4, 4, 2, 0, Math.PI * 2);
    ctx.fill();
  }
  const pattern = ctx.createPattern(tile, 'repeat') ?? color;
  patterns.set(key, pattern);
  return pattern;
}

/** Alternate row shading, the "now" line, and a divider on a retried run's bar where each attempt began. */
function decorations(get: () => { nowMs: number; rows: number; model?: TimelineModel; lanesOf?: (row: number) => number }): Plugin<'bar'> {
  return {
    id: 'clusterCronDecorations',
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const y = scales.y;
      if (!y) return;
      ctx.save();
      ctx.fillStyle = '#f6f8fa';
      for (let row = 1; row < get().rows; row += 2) {
        const top = y.getPixelForValue(row - 0.5);
        const bottom = y.getPixelForValue(row + 0.5);
        ctx.fillRect(chartArea.left, Math.min(top, bottom), chartArea.right - chartArea.left, Math.abs(bottom - top));
      }
      ctx.restore();
    },
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x;
      if (!x) return;
      const px = x.getPixelForValue(get().nowMs);
      if (px < chartArea.left || px > chartArea.right) return;
      ctx.save();
      ctx.strokeStyle = nowStyle.color;
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(px, chartArea.top);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = nowStyle.color;
      ctx.font = '600 11px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText('now', px, chartArea.top - 4);
      ctx.restore();
      const { model, lanesOf } = get();
      const y = scales.y;
      if (!model || !lanesOf || !y) return;
      ctx.save();
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 2;
      for (const bar of model.bars) {
        const centre = y.getPixelForValue(laneY(bar.row, bar.lane, lanesOf(bar.row)));
        for (const atMs of attemptStartsMs(bar.run)) {
          const at = x.getPixelForValue(atMs);
          ctx.beginPath();
          ctx.moveTo(at, centre - 7);
          ctx.lineTo(at, centre + 7);
          ctx.stroke();
        }
      }
      ctx.restore();
    },
  };
}

/** The chart's layers from the model: lag lines, scheduled ticks, run bars, markers. */
function datasetsOf(model: TimelineModel, jobs: readonly JobView[], nowMs: number): ChartDataset<'bar' | 'scatter', TimelinePoint[]>[] {
  const lanesOf = (row: number): number => model.rows[row]?.lanes ?? 1;
  const jobName = (row: number): string => jobs[row]?.name ?? '';
  // The bar, its scheduled tick and the lag line between them all show the run's tooltip.
  const runPoint = (bar: TimelineBar, x: TimelinePoint['x']): TimelinePoint => ({
    x,
    y: laneY(bar.row, bar.lane, lanesOf(bar.row)),
    title: jobName(bar.row),
    tip: [...(bar.overlaps ? ['OVERLAPS an earlier run still going'] : []), ...describeRun(bar.run, nowMs)],
    bar,
  });
  const bars = model.bars.map((bar) => runPoint(bar, [bar.startMs, Math.max(bar.endMs, bar.startMs)]));
  const lags = model.bars.filter((bar) => bar.startMs > bar.run.slotMs).map((bar) => runPoint(bar, [bar.run.slotMs, bar.startMs]));
  const ticks = model.bars.map((bar) => runPoint(bar, bar.run.slotMs));
  const markers = model.markers.map<TimelinePoint>((marker) => {
    const style = markerStyles[marker.kind];
    const tip = marker.run ? describeRun(marker.run, nowMs) : [`${style.label}: ${style.hint}`, formatTime(marker.atMs, nowMs)];
    return {
      x: marker.atMs,
      y: marker.kind === 'next' ? laneY(marker.row, 0, 1) : markerY(marker.row),
      title: jobName(marker.row),
      tip,
      marker,
    };
  });
  const raw = (ctx: { raw?: unknown }): TimelinePoint | undefined => ctx.raw as TimelinePoint | undefined;
  return [
    { type: 'bar', label: 'lag', data: lags, backgroundColor: lagStyle.color, barThickness: 2, grouped: false, order: 3 },
    {
      type: 'bar',
      label: 'runs',
      data: bars,
      grouped: false,
      // Thinner when some row has runs on several lanes, so the lanes do not cover each other.
      barThickness: model.rows.some((row) => row.lanes > 1) ? 11 : 16,
      minBarLength: 3,
      order: 2,
      backgroundColor: (ctx) => {
        const bar = raw(ctx)?.bar;
        return bar ? fillOf(barStyles[bar.kind].color, barStyles[bar.kind].fill) : '#000';
      },
      borderColor: (ctx) => {
        const bar = raw(ctx)?.bar;
        if (bar?.overlaps) return '#24292f';
        return bar ? barStyles[bar.kind].color : '#000';
      },
      borderWidth: (ctx) => (raw(ctx)?.bar?.overlaps ? 2 : 1.5),
      borderSkipped: false,
      borderRadius: 3,
    },
    {
      type: 'scatter',
      label: 'scheduled',
      data: ticks,
      pointStyle: 'line',
      pointRotation: 90,
      pointRadius: 9,
      pointBorderWidth: 2,
      pointBorderColor: lagStyle.color,
      pointHoverRadius: 9,
      order: 1,
    },
    {
      type: 'scatter',
      label: 'markers',
      data: markers,
      order: 0,
      pointStyle: (ctx: ScriptableContext<'line'>) => {
        const marker = raw(ctx)?.marker;
        return marker ? markerStyles[marker.kind].shape : 'circle';
      },
      pointRotation: (ctx: ScriptableContext<'line'>) => (raw(ctx)?.marker?.kind === 'next' ? 90 : 0),
      pointRadius: (ctx: ScriptableContext<'line'>) => (raw(ctx)?.marker?.kind === 'next' ? 8 : 6),
      pointHoverRadius: (ctx: ScriptableContext<'line'>) => (raw(ctx)?.marker?.kind === 'next' ? 9 : 8),
      pointBorderWidth: (ctx: ScriptableContext<'line'>) => (raw(ctx)?.marker?.kind === 'next' ? 1.5 : 2),
      pointBorderColor: (ctx: ScriptableContext<'line'>) => {
        const marker = raw(ctx)?.marker;
        return marker ? markerStyles[marker.kind].color : '#000';
      },
      pointBackgroundColor: (ctx: ScriptableContext<'line'>) => {
        const marker = raw(ctx)?.marker;
        if (!marker) return '#000';
        const style = markerStyles[marker.kind];
        return style.filled ? style.color : '#ffffff';
      },
    },
  ];
}

/** Props of the timeline: the jobs, the clock, and the span of time shown up to now. */
export interface TimelineProps {
  jobs: readonly JobView[];
  nowMs: number;
  windowMs: number;
  narrow: boolean;
}

/** The timeline of every job's recent runs, aligned on one time axis, following now. */
export function Timeline({ jobs, nowMs, windowMs, narrow }: TimelineProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<Chart<'bar' | 'scatter', TimelinePoint[]> | null>(null);
  const liveRef = useRef<{ nowMs: number; rows: number; model?: TimelineModel; lanesOf?: (row: number) => number }>({
    nowMs,
    rows: jobs.length,
  });
  const labelWidthPx = narrow ? 76 : 132;
  // Where the pointer (or the last tap) is on the chart, so a refresh keeps its tooltip open.
  const pointerRef = useRef<{ x: number; y: number } | null>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return undefined;
    const chart = new Chart<'bar' | 'scatter', TimelinePoint[]>(canvas, {
      type: 'bar',
      data: { datasets: [] },
      plugins: [decorations(() => liveRef.current) as Plugin<'bar' | 'scatter'>],
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        layout: { padding: { top: 14, right: 8 } },
        interaction: { mode: 'nearest', intersect: true },
        onHover: (event) => {
          pointerRef.current = event.type === 'mouseout' || event.x === null || event.y === null ? null : { x: event.x, y: event.y };
        },
        scales: {
          x: {
            type: 'linear',
            position: 'bottom',
            grid: { color: '#d0d7de' },
            border: { color: '#8c959f' },
            ticks: { color: '#424a53', maxRotation: 0, includeBounds: false, autoSkip: true },
          },
          y: {
            type: 'linear',
            reverse: true,
            grid: { display: false },
            border: { color: '#8c959f' },
            ticks: { color: '#1f2328', stepSize: 1, autoSkip: false, font: { weight: 'bold' } },
          },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items: TooltipItem<'bar' | 'scatter'>[]) => (items[0]?.raw as TimelinePoint | undefined)?.title ?? '',
              label: (item: TooltipItem<'bar' | 'scatter'>) => (item.raw as TimelinePoint).tip,
            },
          },
        },
      },
    });
    chartRef.current = chart;
    return () => {
      chart.destroy();
      chartRef.current = null;
    };
  }, []);

  const startMs = nowMs - windowMs;
  const endMs = nowMs + windowMs * 0.08;
  const model = useMemo(() => buildTimeline(jobs, nowMs, startMs, endMs), [jobs, nowMs, startMs, endMs]);
  // The decorations read the model as of this render (the attempts' dividers sit on its bars).
  liveRef.current = { nowMs, rows: jobs.length, model, lanesOf: (row) => model.rows[row]?.lanes ?? 1 };

  useEffect(() => {
    const chart = chartRef.current;
    // Both scales are set where the chart is made.
    const { x, y } = chart?.options.scales ?? {};
    if (!chart || !x || !y) return;
    chart.data.datasets = datasetsOf(model, jobs, nowMs);
    const stepMs = axisStepMs(endMs - startMs, narrow ? 4 : 9);
    x.min = startMs;
    x.max = endMs;
    x.ticks = { ...x.ticks, callback: (value) => formatTime(Number(value), nowMs).replace(stepMs >= 60_000 ? /:\d\d$/ : /^$/, '') };
    // Ticks on whole steps of the clock (every 15 s, every 5 min, ...), not from the window's edge.
    x.afterBuildTicks = (scale) => {
      const ticks: { value: number }[] = [];
      for (let tickMs = Math.ceil(startMs / stepMs) * stepMs; tickMs <= endMs; tickMs += stepMs) ticks.push({ value: tickMs });
      scale.ticks = ticks;
    };
    y.min = -0.5;
    y.max = Math.max(jobs.length, 1) - 0.5;
    y.ticks = { ...y.ticks, callback: (value) => rowLabel(jobs[Number(value)], narrow) };
    // One tick per row, at the row's centre (the bounds sit half a row outside).
    y.afterBuildTicks = (scale) => {
      scale.ticks = jobs.map((_, row) => ({ value: row }));
    };
    y.afterFit = (scale) => {
      scale.width = labelWidthPx;
    };
    chart.update('none');
    const at = pointerRef.current;
    if (at) {
      // The update dropped the tooltip: show it again for whatever is now under the pointer.
      const probe = { type: 'mousemove', native: null, x: at.x, y: at.y } as unknown as Event;
      const active = chart
        .getElementsAtEventForMode(probe, 'nearest', { intersect: true }, false)
        .map(({ datasetIndex, index }) => ({ datasetIndex, index }));
      chart.tooltip?.setActiveElements(active, at);
      chart.update('none');
    }
  }, [model, narrow]);

  return (
    <>
      <div
        class="timeline-canvas"
        data-bars={model.bars.length}
        data-markers={model.markers.filter((marker) => marker.kind !== 'next').length}
        style={{ height: `${Math.max(jobs.length, 1) * ROW_PX + AXIS_PX + 14}px` }}
      >
        <canvas
          ref={canvasRef}
          role="img"
          aria-label={`Timeline of the runs of ${jobs.map((job) => job.name).join(', ')} over the last ${formatDuration(windowMs)}; summed up below, and each job's slots are listed in its card.`}
        />
      </div>
      <ul class="visually-hidden timeline-summary">
        {jobs.map((job, row) => {
          const bars = model.bars.filter((bar) => bar.row === row);
          const markers = model.markers.filter((marker) => marker.row === row && marker.kind !== 'next');
          const byKind = new Map<string, number>();
          for (const marker of markers) byKind.set(marker.kind, (byKind.get(marker.kind) ?? 0) + 1);
          const counts = [...byKind].map(([kind, count]) => `${count} ${kind}`);
          return (
            <li
              key={job.name}
              data-job={job.name}
              data-bars={bars.length}
              data-overlaps={bars.filter((bar) => bar.overlaps).length}
              data-retried={bars.filter((bar) => attemptStartsMs(bar.run).length > 0).length}
            >
              {job.name}: {bars.length} runs{bars.some((bar) => bar.overlaps) ? ', some overlapping' : ''}
              {bars.some((bar) => attemptStartsMs(bar.run).length > 0)
                ? `, ${bars.filter((bar) => attemptStartsMs(bar.run).length > 0).length} retried`
                : ''}
              {counts.length > 0 ? `, ${counts.join(', ')}` : ''} in the last {formatDuration(windowMs)}
            </li>
          );
        })}
      </ul>
    </>
  );
}

/** A row's label: the job's name, cut to fit, and `paused` under it when it is. */
function rowLabel(job: JobView | undefined, narrow: boolean): string | string[] {
  if (!job) return '';
  const name = truncate(job.name, narrow ? 9 : 16);
  return job.paused ? [name, '❚❚ paused'] : name;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
