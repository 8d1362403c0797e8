/**
 * A table as text lines for the terminal: columns padded to their widest cell, two spaces apart, numeric
 * columns (indexes in `right`) right-aligned; a rule of dashes under the header unless `rule: false`.
 */
export function alignedTable(header: string[], rows: string[][], right: readonly number[] = [], { rule = true } = {}): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...(rule ? [widths.map((w) => '-'.repeat(w)).join('  ')] : []), ...rows.map(line)];
}
