/**
 * One place for how each fate looks: the colour, the pattern of a bar (so failed and lost runs
 * differ from succeeded ones by more than colour) and the shape of a marker, with the words the
 * legend and the tooltips use. Colours have at least 4.5:1 contrast on white.
 */
import { BarKind, MarkerKind } from './timeline-data.js';

/** A bar's fill: solid, striped (failed) or dotted (lost); running bars are hollow. */
export type BarFill = 'solid' | 'stripes' | 'dots' | 'hollow';

/** How one bar kind looks and is named. */
export interface BarStyle {
  color: string;
  fill: BarFill;
  label: string;
  hint: string;
}

/** Chart.js point styles used by the markers. */
export type MarkerShape = 'crossRot' | 'rect' | 'triangle' | 'rectRot' | 'circle' | 'line' | 'star';

/** How one marker kind looks and is named. */
export interface MarkerStyle {
  color: string;
  shape: MarkerShape;
  filled: boolean;
  /** The glyph the HTML legend shows for the shape. */
  glyph: string;
  label: string;
  hint: string;
}

/** Bars, in legend order. */
export const barStyles: Record<BarKind, BarStyle> = {
  [BarKind.succeeded]: { color: '#1a7f37', fill: 'solid', label: 'succeeded', hint: 'a run that finished' },
  [BarKind.failed]: { color: '#cf222e', fill: 'stripes', label: 'failed', hint: 'the handler threw' },
  [BarKind.timedOut]: { color: '#bf3989', fill: 'stripes', label: 'timed out', hint: "passed its job's timeout" },
  [BarKind.lost]: { color: '#8250df', fill: 'dots', label: 'lost', hint: 'its node died; the lease lapsed' },
  [BarKind.running]: { color: '#0969da', fill: 'hollow', label: 'running', hint: 'holds the lease now' },
};

/** Markers, in legend order. */
export const markerStyles: Record<MarkerKind, MarkerStyle> = {
  [MarkerKind.skipped]: {
    color: '#9a6700',
    shape: 'crossRot',
    filled: false,
    glyph: '✕',
    label: 'skipped',
    hint: 'a run held the lease (overlap: skip)',
  },
  [MarkerKind.buffered]: {
    color: '#0969da',
    shape: 'rectRot',
    filled: true,
    glyph: '◆',
    label: 'buffered',
    hint: 'waits for the lease (overlap: bufferOne)',
  },
  [MarkerKind.dropped]: {
    color: '#bc4c00',
    shape: 'triangle',
    filled: true,
    glyph: '▲',
    label: 'dropped',
    hint: 'one slot was already buffered',
  },
  [MarkerKind.paused]: {
    color: '#57606a',
    shape: 'rect',
    filled: true,
    glyph: '■',
    label: 'paused',
    hint: 'skipped while the job was paused',
  },
  [MarkerKind.missed]: {
    color: '#a40e26',
    shape: 'circle',
    filled: false,
    glyph: '○',
    label: 'missed',
    hint: 'no tick came within the catch-up window',
  },
  [MarkerKind.lost]: {
    color: '#8250df',
    shape: 'star',
    filled: false,
    glyph: '✱',
    label: 'lost before start',
    hint: 'claimed, then its node died',
  },
  [MarkerKind.next]: { color: '#8c959f', shape: 'line', filled: false, glyph: '|', label: 'next', hint: 'the next fire times' },
};

/** The thin line from a slot's scheduled time to its actual start. */
export const lagStyle = {
  color: '#6e7781',
  label: 'scheduled → start',
  hint: 'the tick at the scheduled time, the line the wait for the start',
};

/** The "now" line. */
export const nowStyle = { color: '#24292f' };
