import { mergeGroup, type HeldGroup } from './openpanel-groups.js';
import { seededRandom, type Random } from './seeded-random.js';

/**
 * Random (seeded) group calls for a few groups, full or with only what changed, deletions, nesting and JSON
 * strings included; and what OpenPanel must end with for them: every call's upsert folded in order.
 */
const groupIds = ['org_acme', 'org_globex', 'ws_design', 'team_7'];
const names = ['Acme', 'Acme Inc', 'Globex', 'Design', 'Team Seven'];
const types = ['company', 'workspace', 'team'];

/** One group call's traits: a full description, or only some of it (what changed), deletions and nesting included. */
function traitsOf(random: Random): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const traits: Record<string, unknown> = {};
  const full = random() < 0.3;
  const maybe = (p: number): boolean => full || random() < p;
  if (maybe(0.15)) traits['name'] = pick(names);
  if (maybe(0.1)) traits[random() < 0.5 ? 'type' : 'groupType'] = pick(types);
  if (maybe(0.3)) traits['plan'] = random() < 0.15 ? null : pick(['free', 'pro', 'enterprise']);
  if (maybe(0.3)) traits['seats'] = Math.floor(random() * 50);
  if (maybe(0.15)) traits['trial'] = random() < 0.5;
  if (maybe(0.2)) traits['address'] = random() < 0.5 ? { city: pick(['Lyon', 'Oslo', 'Lima']) } : { zip: String(Math.floor(random() * 9000) + 1000) };
  if (maybe(0.1)) traits['meta'] = JSON.stringify({ tier: Math.floor(random() * 3), region: pick(['eu', 'us']) });
  if (maybe(0.1)) traits['industry'] = random() < 0.3 ? '' : pick(['retail', 'software']);
  if (Object.keys(traits).length === 0) traits['mrr'] = Math.floor(random() * 10_000);
  return traits;
}

export function groupCalls(seed: number, count: number): Array<Record<string, unknown>> {
  const random = seededRandom(seed);
  const start = Date.parse('2025-06-01T00:00:00.000Z');
  return Array.from({ length: count }, (_, i) => {
    const user = Math.floor(random() * 8);
    return {
      type: 'group',
      messageId: `s${seed}-g${i}`,
      ...(random() < 0.8 ? { userId: `user_${user}` } : { anonymousId: `anon_${user}` }),
      groupId: groupIds[Math.floor(random() * groupIds.length)],
      traits: traitsOf(random),
      timestamp: new Date(start + i * 1000).toISOString(),
    };
  });
}

/** The fold over all the calls: each call's upsert as the CDP meant it (unnamed: the known name, else the id), merged as OpenPanel does. */
export function foldCalls(calls: ReadonlyArray<Record<string, unknown>>): Map<string, HeldGroup> {
  const groups = new Map<string, HeldGroup>();
  for (const call of calls) {
    const id = call['groupId'] as string;
    const { name, type, groupType, ...properties } = call['traits'] as Record<string, unknown>;
    const held = groups.get(id);
    groups.set(
      id,
      mergeGroup(held, { name: (name as string) ?? held?.name ?? id, type: ((type ?? groupType) as string) ?? held?.type ?? 'company', properties }),
    );
  }
  return groups;
}
