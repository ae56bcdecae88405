/** One benchmark line: a figure against a floor measured in the same run, and the goal for their ratio. */
export interface Row {
  name: string;
  unit: string;
  figure: number;
  floor: number;
  floorName: string;
  /** Goal on figure / floor; absent for lines that only inform. */
  goal?: { atLeast: number } | { atMost: number };
}

const number = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2));

function verdict(ratio: number, goal: Row['goal']): { goal: string; result: string } {
  if (!goal) return { goal: '-', result: 'info' };
  if ('atLeast' in goal) return { goal: `>= ${goal.atLeast}x`, result: ratio >= goal.atLeast ? 'PASS' : 'MISS' };
  return { goal: `<= ${goal.atMost}x`, result: ratio <= goal.atMost ? 'PASS' : 'MISS' };
}

export function formatTable(rows: Row[]): string {
  const lines = rows.map((row) => {
    const ratio = row.figure / row.floor;
    const { goal, result } = verdict(ratio, row.goal);
    return [row.name, `${number(row.figure)} ${row.unit}`, `${number(row.floor)} ${row.unit} (${row.floorName})`, `${ratio.toFixed(2)}x`, goal, result];
  });
  const header = ['measurement', 'figure', 'floor', 'ratio', 'goal', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}
