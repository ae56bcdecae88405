/** "Did you mean" for names a user typed (config keys, environment variables); this module imports nothing. */

/** Edit distance (insert, delete, substitute one character), case-insensitive: `writekey` is 0 from `writeKey`. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[y.length]!;
}

/** The known name nearest to `name`, when it is near enough to be a typo (a third of its length, at least 2 edits). */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d <= Math.max(2, Math.floor(candidate.length / 3)) && (best === undefined || d < best.distance)) best = { name: candidate, distance: d };
  }
  return best?.name;
}

/**
 * `<name>: unknown <kind>` with a "did you mean" when a known name is near. Names are compared without `prefix`
 * (OPENPANEL_DESTINATION_), which every variable shares and would make any two look alike.
 */
export const unknownName = (name: string, kind: string, known: Iterable<string>, prefix = ''): string => {
  const strip = (text: string): string => (prefix !== '' && text.startsWith(prefix) ? text.slice(prefix.length) : text);
  const byStripped = new Map([...known].map((candidate) => [strip(candidate), candidate]));
  const near = closest(strip(name), byStripped.keys());
  return `${name}: unknown ${kind}${near === undefined ? '' : `; did you mean ${byStripped.get(near)}?`}`;
};
