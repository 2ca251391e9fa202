/** Markdown tables laid out the way the formatter (biome) lays them out, so RESULTS.md passes `npm run lint`. */

export interface Column {
  title: string;
  align: 'left' | 'right';
}

export function markdownTable(columns: Column[], rows: string[][]): string[] {
  const widths = columns.map((c, i) => Math.max(3, c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) => {
    const width = widths[i] ?? 3;
    return columns[i]?.align === 'right' ? text.padStart(width) : text.padEnd(width);
  };
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = columns.map((c, i) =>
    c.align === 'right' ? `${'-'.repeat((widths[i] ?? 3) - 1)}:` : '-'.repeat(widths[i] ?? 3),
  );
  return [
    line(columns.map((c, i) => cell(c.title, i))),
    line(rule),
    ...rows.map((r) => line(columns.map((_, i) => cell(r[i] ?? '', i)))),
  ];
}
