import { seededRandom, type Random } from './seeded-random.js';

/**
 * A seeded, realistic mixed Segment-spec stream: per user an identify (traits, sometimes a `company`),
 * group calls (sometimes repeated unchanged), web pages or mobile screens and tracks (some with per-event
 * `properties.groups`), anonymous events before identify for some, an alias for some, and one revenue-bearing
 * `Order Completed`. Users interleave in event-time order; each user's timestamps strictly increase.
 */
export interface EventStreamOptions {
  users: number;
  /** Events per user, identify and group calls included; the fixed ones (up to 6) come first, then activity. */
  eventsPerUser: number;
  seed: number;
  /** Event time of the first event (ms since epoch). */
  startAt?: number;
}

type Event = Record<string, unknown>;

const defaultStartAt = Date.parse('2025-03-01T09:00:00.000Z');
const firstNames = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances'];
const lastNames = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen'];
const plans = ['free', 'pro', 'enterprise'];
const trackNames = ['Report Created', 'Dashboard Shared', 'Feature Used', 'Invite Sent', 'Product Viewed', 'Product Added', 'Checkout Started'];
const pages = [
  { path: '/', title: 'Home' },
  { path: '/pricing', title: 'Pricing' },
  { path: '/docs/groups', title: 'Groups' },
  { path: '/app/reports', title: 'Reports' },
];
const screens = ['Home', 'Reports', 'Settings', 'Team'];
const webAgents = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
const mobileDevices = [
  { os: { name: 'iOS', version: '17.4.1' }, device: { type: 'ios', manufacturer: 'Apple', model: 'iPhone15,2', name: 'iPhone' } },
  { os: { name: 'Android', version: '14' }, device: { type: 'android', manufacturer: 'Google', model: 'Pixel 8', name: 'shiba' } },
];

export function generateEvents({ users, eventsPerUser, seed, startAt = defaultStartAt }: EventStreamOptions): Event[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  const groupPool = Array.from({ length: Math.max(2, Math.ceil(users / 4)) }, (_, i) => ({
    id: `grp_${seed}_${i}`,
    traits: { name: `Team ${i}`, plan: pick(plans), type: chance(0.5) ? 'workspace' : 'company' },
  }));

  const streams = Array.from({ length: users }, (_, u) => userEvents(u));
  return streams.flat().sort((a, b) => Date.parse(a['timestamp'] as string) - Date.parse(b['timestamp'] as string));

  function userEvents(u: number): Event[] {
    const userId = `user_${seed}_${u}`;
    const anonymousId = uuid(random);
    const mobile = chance(0.3) ? pick(mobileDevices) : undefined;
    const context = { ip: `198.51.100.${1 + Math.floor(random() * 254)}`, userAgent: mobile ? `OpenPanelDemo/3.2 (${mobile.os.name})` : pick(webAgents) };
    const baseContext = mobile ? { ...context, os: mobile.os, device: mobile.device } : context;
    let time = startAt + Math.floor(random() * 3_600_000);
    const events: Event[] = [];
    const emit = (event: Event, who: { userId?: string; anonymousId: string } = { userId, anonymousId }) => {
      time += 1_000 + Math.floor(random() * 60_000);
      events.push({ messageId: uuid(random), ...who, timestamp: new Date(time).toISOString(), context: baseContext, ...event });
    };
    const activity = (): Event => {
      if (chance(0.25)) {
        return mobile ? { type: 'screen', name: pick(screens), properties: { tab: pick(screens) } } : page();
      }
      const properties: Event = { source: pick(['web', 'api', 'email']), count: 1 + Math.floor(random() * 9) };
      if (chance(0.1)) properties['groups'] = [pick(groupPool).id];
      return { type: 'track', event: pick(trackNames), properties };
    };

    const anonymousBefore = chance(0.25) ? 1 + Math.floor(random() * 2) : 0;
    for (let i = 0; i < anonymousBefore; i++) emit(activity(), { anonymousId });

    const first = pick(firstNames);
    const last = pick(lastNames);
    const traits: Event = { email: `${first}.${last}.${u}@example.com`.toLowerCase(), plan: pick(plans), createdAt: new Date(time).toISOString() };
    if (chance(0.5)) Object.assign(traits, { firstName: first, lastName: last });
    else traits['name'] = `${first} ${last}`;
    if (chance(0.3)) traits['avatar'] = `https://avatars.example.com/${u}.png`;
    if (chance(0.3)) traits['company'] = { id: `co_${seed}_${u}`, name: `${last} Labs`, plan: pick(plans) };
    emit({ type: 'identify', traits });
    if (chance(0.1)) emit({ type: 'alias', previousId: anonymousId });

    const groups = chance(0.3) ? [pick(groupPool), pick(groupPool)] : [pick(groupPool)];
    for (const group of groups) emit({ type: 'group', groupId: group.id, traits: group.traits });

    const slots = eventsPerUser - events.length;
    const orderSlot = Math.floor(random() * slots);
    for (let slot = 0; slot < slots; slot++) {
      if (slot === orderSlot) {
        emit({
          type: 'track',
          event: 'Order Completed',
          properties: { orderId: `ord_${seed}_${u}`, revenue: 10 + Math.floor(random() * 50_000) / 100, currency: 'USD' },
        });
      } else if (chance(0.05)) {
        const group = pick(groups);
        emit({ type: 'group', groupId: group.id, traits: group.traits });
      } else {
        emit(activity());
      }
    }
    return events;

    function page(): Event {
      const { path, title } = pick(pages);
      const url = `https://app.example.com${path}${chance(0.2) ? '?utm_source=newsletter&utm_medium=email' : ''}`;
      const referrer = chance(0.5) ? 'https://www.google.com/' : undefined;
      return {
        type: 'page',
        name: title,
        properties: { url, path, title, ...(referrer && { referrer }) },
        context: { ...baseContext, page: { url, path, title, ...(referrer && { referrer }) } },
      };
    }
  }
}

function uuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = (8 + Math.floor(random() * 4)).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
