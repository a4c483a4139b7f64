// The results table: each Dak figure with the baselines measured beside it in the same run.
import type { RunFigures } from './load';

export interface ResultRow {
  scenario: string;
  what: string;
  /** What one unit of the rate is: request, message, event. */
  unit: string;
  figures: RunFigures;
  /** For a baseline: the `what` of the Dak row it is compared with (ratio = Dak rate ÷ this rate). */
  baselineFor?: string;
  /**
   * When the figure is not a rate (a wait, a memory size, a pacing error): shown instead of the
   * per-second cell, and `value` is what the ratio divides.
   */
  figure?: { text: string; value: number };
  note?: string;
}

const HEADERS = [
  'scenario',
  'what',
  'n',
  'seconds',
  'figure',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'CPU µs/unit',
  'Dak ÷ baseline',
  'outcomes',
];

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
}

function outcomes(figures: RunFigures): string {
  return Object.entries(figures.outcomes)
    .map(([label, count]) => `${label}×${count}`)
    .join(' ');
}

const valueOf = (row: ResultRow) => row.figure?.value ?? row.figures.perSecond;

/**
 * Dak's figure over the baseline's: for a rate, 1.00 = as fast as the raw library, 0.25 = a
 * quarter of it; for a wait or a size, how many times the baseline's it is.
 */
export function ratioOf(rows: ResultRow[], row: ResultRow): number | undefined {
  if (!row.baselineFor) return undefined;
  const dak = rows.find((r) => r.scenario === row.scenario && r.what === row.baselineFor);
  const ratio = dak ? valueOf(dak) / valueOf(row) : undefined;
  return ratio === undefined || Number.isFinite(ratio) ? ratio : undefined;
}

export function formatTable(rows: ResultRow[]): string {
  const cells = rows.map((row) => {
    const ratio = ratioOf(rows, row);
    return [
      row.scenario,
      row.baselineFor ? `  baseline: ${row.what}` : row.what,
      String(row.figures.count),
      fixed(row.figures.seconds, 2),
      row.figure?.text ?? `${fixed(row.figures.perSecond, 0)} ${row.unit}/s`,
      fixed(row.figures.latencies?.p50, 1),
      fixed(row.figures.latencies?.p95, 1),
      fixed(row.figures.latencies?.p99, 1),
      fixed(row.figures.cpuMicrosPerOp, 0),
      ratio === undefined ? '' : `${ratio.toFixed(2)}`,
      outcomes(row.figures),
    ];
  });
  const widths = HEADERS.map((header, i) => Math.max(header.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i >= 2 && i <= 9 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous = '';
  cells.forEach((c, i) => {
    if (i > 0 && rows[i]!.scenario !== previous) out.push('');
    previous = rows[i]!.scenario;
    out.push(line(c));
  });
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.scenario} / ${r.what}: ${r.note}`);
  return [...out, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}
