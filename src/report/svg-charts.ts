/**
 * Charts as inline SVG strings: vertical bars, horizontal bars, a line with points and a sparkline. Every mark
 * is an element with class `mark` and `data-label`/`data-value`, so tests (and curious owners) can check it.
 * The SVGs scale to their container through `viewBox`, which keeps them readable on a phone.
 */
import type { Datum } from './stats.js';

/** Escapes text for HTML and XML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Narrow enough that 13-unit text stays legible when a phone scales the chart to its width.
const CHART_WIDTH = 420;

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** A round upper bound for an axis: 1, 2, 5 × 10^k at or above the value. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * magnitude >= value) ?? 10) * magnitude;
}

function markAttributes(d: Datum): string {
  return `class="mark" data-label="${escapeHtml(d.label)}" data-value="${d.value}"`;
}

/** Vertical bars, one per datum (hours, days); `tickEvery` thins the axis labels. */
export function verticalBars(
  data: readonly Datum[],
  options: { tickEvery?: number; tickLabel?: (label: string) => string; unit?: string } = {},
): string {
  const width = CHART_WIDTH;
  const height = 220;
  const [left, right, top, bottom] = [34, 6, 10, 26];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...data.map((d) => d.value)));
  const step = plotW / Math.max(1, data.length);
  const tickEvery = options.tickEvery ?? 1;
  const tickLabel = options.tickLabel ?? ((l: string) => l);
  const grid = [0, 0.5, 1]
    .map((f) => {
      const y = top + plotH - f * plotH;
      return `<line class="grid" x1="${left}" x2="${width - right}" y1="${fmt(y)}" y2="${fmt(y)}"/><text class="axis" x="${left - 4}" y="${fmt(y + 4)}" text-anchor="end">${fmt(max * f)}</text>`;
    })
    .join('');
  const bars = data
    .map((d, i) => {
      const h = (d.value / max) * plotH;
      const x = left + i * step + step * 0.12;
      const bar = `<rect ${markAttributes(d)} x="${fmt(x)}" y="${fmt(top + plotH - h)}" width="${fmt(step * 0.76)}" height="${fmt(h)}"><title>${escapeHtml(`${d.label}: ${d.value}${options.unit ?? ''}`)}</title></rect>`;
      const tick =
        i % tickEvery === 0
          ? `<text class="axis" x="${fmt(left + i * step + step / 2)}" y="${height - 8}" text-anchor="middle">${escapeHtml(tickLabel(d.label))}</text>`
          : '';
      return bar + tick;
    })
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" role="img" preserveAspectRatio="xMidYMid meet">${grid}${bars}</svg>`;
}

/** Horizontal bars with the label on the left and the value at the end (categories, intents). */
export function horizontalBars(
  data: readonly Datum[],
  options: { labelOf?: (label: string) => string } = {},
) {
  const width = CHART_WIDTH;
  const row = 30;
  const labelW = 150;
  const valueW = 40;
  const height = Math.max(1, data.length) * row + 4;
  const max = Math.max(1, ...data.map((d) => d.value));
  const labelOf = options.labelOf ?? ((l: string) => l);
  const rows = data
    .map((d, i) => {
      const y = 2 + i * row;
      const w = (d.value / max) * (width - labelW - valueW);
      return `<text class="label" x="${labelW - 8}" y="${y + row / 2 + 5}" text-anchor="end">${escapeHtml(labelOf(d.label))}</text><rect ${markAttributes(d)} x="${labelW}" y="${y + 5}" width="${fmt(w)}" height="${row - 10}"><title>${escapeHtml(`${labelOf(d.label)}: ${d.value}`)}</title></rect><text class="value" x="${fmt(labelW + w + 6)}" y="${y + row / 2 + 5}">${d.value}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" role="img" preserveAspectRatio="xMidYMid meet">${rows}</svg>`;
}

/** A line through points on a fixed 0…`yMax` scale (mood), one circle mark per datum. */
export function lineChart(
  data: readonly Datum[],
  options: { yMax: number; low: string; high: string; tickEvery?: number; tickLabel?: (l: string) => string },
): string {
  const width = CHART_WIDTH;
  const height = 200;
  const [left, right, top, bottom] = [44, 10, 12, 26];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i: number) => left + (data.length <= 1 ? plotW / 2 : (i / (data.length - 1)) * plotW);
  const y = (v: number) => top + plotH - (Math.min(v, options.yMax) / options.yMax) * plotH;
  const tickEvery = options.tickEvery ?? 1;
  const tickLabel = options.tickLabel ?? ((l: string) => l);
  const axis = `<line class="grid" x1="${left}" x2="${width - right}" y1="${y(0)}" y2="${y(0)}"/><line class="grid" x1="${left}" x2="${width - right}" y1="${y(options.yMax)}" y2="${y(options.yMax)}"/><text class="axis" x="${left - 4}" y="${y(0) + 4}" text-anchor="end">${escapeHtml(options.low)}</text><text class="axis" x="${left - 4}" y="${y(options.yMax) + 4}" text-anchor="end">${escapeHtml(options.high)}</text>`;
  const path = data.map((d, i) => `${fmt(x(i))},${fmt(y(d.value))}`).join(' ');
  const points = data
    .map(
      (d, i) =>
        `<circle ${markAttributes(d)} cx="${fmt(x(i))}" cy="${fmt(y(d.value))}" r="4"><title>${escapeHtml(`${d.label}: ${d.value}`)}</title></circle>${
          i % tickEvery === 0
            ? `<text class="axis" x="${fmt(x(i))}" y="${height - 8}" text-anchor="middle">${escapeHtml(tickLabel(d.label))}</text>`
            : ''
        }`,
    )
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" role="img" preserveAspectRatio="xMidYMid meet">${axis}<polyline class="line" points="${path}"/>${points}</svg>`;
}

/** A small mood curve for a review card: frustration 0…1 per turn. */
export function sparkline(values: readonly number[]): string {
  const width = 160;
  const height = 44;
  const pad = 5;
  const x = (i: number) =>
    pad + (values.length <= 1 ? (width - 2 * pad) / 2 : (i / (values.length - 1)) * (width - 2 * pad));
  const y = (v: number) => height - pad - Math.min(1, Math.max(0, v)) * (height - 2 * pad);
  const points = values.map((v, i) => `${fmt(x(i))},${fmt(y(v))}`).join(' ');
  const marks = values
    .map(
      (v, i) =>
        `<circle ${markAttributes({ label: `turn ${i + 1}`, value: v })} cx="${fmt(x(i))}" cy="${fmt(y(v))}" r="3"/>`,
    )
    .join('');
  return `<svg class="spark" viewBox="0 0 ${width} ${height}" role="img" aria-label="mood per turn"><line class="grid" x1="${pad}" x2="${width - pad}" y1="${y(0.7)}" y2="${y(0.7)}"/><polyline class="line" points="${points}"/>${marks}</svg>`;
}
