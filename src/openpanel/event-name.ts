import rules from './event-name-rules.json' with { type: 'json' };

const patterns = rules.blockedPatterns.map((source) => new RegExp(source, 'i'));

// Event names repeat endlessly in a stream; the blocklist scan is not free. Bounded, so random names cannot grow it.
const verdicts = new Map<string, string | undefined>();
const MAX_CACHED = 10_000;

/** Why OpenPanel would reject `name` as a track name with a 400, or undefined when it accepts it. */
export function eventNameProblem(name: string): string | undefined {
  if (verdicts.has(name)) return verdicts.get(name);
  const problem = findProblem(name);
  if (verdicts.size >= MAX_CACHED) verdicts.clear();
  verdicts.set(name, problem);
  return problem;
}

function findProblem(name: string): string | undefined {
  if (name.trim() === '') return 'must not be empty';
  if (rules.reserved.includes(name)) return `"${name}" is reserved by OpenPanel`;
  if (name.length > rules.maxLength) return `must be at most ${rules.maxLength} characters (has ${name.length})`;
  if (/[\r\n]/.test(name)) return 'must not contain a line break';
  const lower = name.toLowerCase();
  const blocked = rules.blockedSubstrings.find((s) => lower.includes(s));
  if (blocked !== undefined) return `contains "${blocked}", which OpenPanel's attack blocklist rejects`;
  if (patterns.some((p) => p.test(name))) return "looks like a scanned URL path, which OpenPanel's blocklist rejects";
  return undefined;
}
