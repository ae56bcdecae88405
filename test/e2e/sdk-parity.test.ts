import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { OpenPanel } from '@openpanel/sdk';
import { createDestination } from '../../src/entry/library/destination.js';
import type { OpenPanelBody } from '../../src/openpanel/contract.js';
import { startFakeOpenPanel, type FakeOpenPanel } from '../support/fake-openpanel.js';

/**
 * Every group flow of the seed guide (seed/openpanel-groups.mdx), run twice: through OpenPanel's own SDK
 * against a local fake OpenPanel, and as the equivalent Segment calls through our transform. The group,
 * assign_group and track payloads must agree. Each flow ends with tracks (the guide's "all subsequent
 * events are tagged") so membership is checked where it matters.
 */

type Call = Record<string, unknown>;

interface Flow {
  name: string;
  /** The guide's SDK calls, in order. */
  sdk: (op: OpenPanel) => Promise<unknown>;
  /** The same calls in the Segment spec (messageId, anonymousId and timestamps are added below). */
  segment: Call[];
}

const jane = { id: 'user_123', email: 'jane@acme.com' };
const ana = { id: 'user_42', email: 'ana@globex.com', organizationId: 'org_globex', organizationName: 'Globex', plan: 'enterprise', mrr: 4200 };
const sam = { id: 'user_7', organizationId: 'org_initech', teamId: 'team_engineering' };

const flows: Flow[] = [
  {
    name: 'Full login flow',
    sdk: async (op) => {
      await op.identify({ profileId: jane.id, firstName: 'Jane', email: jane.email });
      await op.setGroup('org_acme');
      await op.track('dashboard_viewed');
      await op.track('report_exported');
    },
    segment: [
      { type: 'identify', userId: jane.id, traits: { firstName: 'Jane', email: jane.email } },
      { type: 'group', userId: jane.id, groupId: 'org_acme' },
      { type: 'track', userId: jane.id, event: 'dashboard_viewed' },
      { type: 'track', userId: jane.id, event: 'report_exported' },
    ],
  },
  {
    name: 'Login flow with upsertGroup',
    sdk: async (op) => {
      await op.identify({ profileId: jane.id, email: jane.email });
      await op.upsertGroup({ id: 'org_acme', type: 'company', name: 'Acme Inc', properties: { plan: 'pro' } });
      await op.setGroup('org_acme');
      await op.track('dashboard_viewed');
    },
    segment: [
      { type: 'identify', userId: jane.id, traits: { email: jane.email } },
      { type: 'group', userId: jane.id, groupId: 'org_acme', traits: { name: 'Acme Inc', type: 'company', plan: 'pro' } },
      { type: 'track', userId: jane.id, event: 'dashboard_viewed' },
    ],
  },
  {
    // Two logins with unchanged account data: the SDK upserts the group twice, we once (see comparable()).
    // The Segment group call has no traits.type: the config's defaultGroupType ("company") applies.
    name: 'B2B SaaS — company accounts',
    sdk: async (op) => {
      for (let login = 0; login < 2; login++) {
        await op.identify({ profileId: ana.id, email: ana.email });
        await op.upsertGroup({
          id: ana.organizationId,
          type: 'company',
          name: ana.organizationName,
          properties: { plan: ana.plan, mrr: ana.mrr },
        });
        await op.setGroup(ana.organizationId);
        await op.track('dashboard_viewed');
      }
    },
    segment: [0, 1].flatMap(() => [
      { type: 'identify', userId: ana.id, traits: { email: ana.email } },
      { type: 'group', userId: ana.id, groupId: ana.organizationId, traits: { name: ana.organizationName, plan: ana.plan, mrr: ana.mrr } },
      { type: 'track', userId: ana.id, event: 'dashboard_viewed' },
    ]),
  },
  {
    // Switching workspace adds to the SDK's groups (it never drops the previous one): so must we.
    name: 'Multi-tenant — workspaces',
    sdk: async (op) => {
      await op.identify({ profileId: sam.id });
      for (const workspace of [
        { id: 'ws_marketing', name: 'Marketing' },
        { id: 'ws_sales', name: 'Sales' },
      ]) {
        await op.upsertGroup({ id: workspace.id, type: 'workspace', name: workspace.name });
        await op.setGroup(workspace.id);
        await op.track('workspace_opened', { workspace: workspace.name });
      }
    },
    segment: [
      { type: 'identify', userId: sam.id },
      { type: 'group', userId: sam.id, groupId: 'ws_marketing', traits: { name: 'Marketing', type: 'workspace' } },
      { type: 'track', userId: sam.id, event: 'workspace_opened', properties: { workspace: 'Marketing' } },
      { type: 'group', userId: sam.id, groupId: 'ws_sales', traits: { name: 'Sales', type: 'workspace' } },
      { type: 'track', userId: sam.id, event: 'workspace_opened', properties: { workspace: 'Sales' } },
    ],
  },
  {
    // The Segment spec has no multi-group call: setGroups([a, b]) is two group calls (see comparable()).
    name: 'Teams within a company',
    sdk: async (op) => {
      await op.identify({ profileId: sam.id });
      await op.setGroups([sam.organizationId, sam.teamId]);
      await op.track('deploy_started');
    },
    segment: [
      { type: 'identify', userId: sam.id },
      { type: 'group', userId: sam.id, groupId: sam.organizationId },
      { type: 'group', userId: sam.id, groupId: sam.teamId },
      { type: 'track', userId: sam.id, event: 'deploy_started' },
    ],
  },
  {
    // The override tags one event only: the track after it carries the persistent groups alone.
    name: 'Per-event group override',
    sdk: async (op) => {
      await op.identify({ profileId: jane.id });
      await op.setGroup('org_acme');
      await op.track('file_shared', { filename: 'q4-report.pdf', groups: ['org_acme', 'org_partner'] });
      await op.track('file_opened', { filename: 'q4-report.pdf' });
    },
    segment: [
      { type: 'identify', userId: jane.id },
      { type: 'group', userId: jane.id, groupId: 'org_acme' },
      { type: 'track', userId: jane.id, event: 'file_shared', properties: { filename: 'q4-report.pdf', groups: ['org_acme', 'org_partner'] } },
      { type: 'track', userId: jane.id, event: 'file_opened', properties: { filename: 'q4-report.pdf' } },
    ],
  },
];

/** One second apart in event time, in call order, as a device would send them. */
function asSegmentEvents(flowIndex: number, calls: Call[]): Call[] {
  const start = Date.UTC(2025, 0, 6, 9, 0, 0);
  return calls.map((call, i) => ({
    messageId: `parity-${flowIndex}-${i}`,
    anonymousId: `anon-parity-${flowIndex}`,
    timestamp: new Date(start + i * 1000).toISOString(),
    ...call,
  }));
}

/**
 * The parts of a request stream the two sides must agree on, with the two differences the design makes:
 * - `group`: the SDK upserts on every upsertGroup call; we upsert only when the traits differ from the last
 *   upsert of that group (the guide: "call upsertGroup() on login or when group properties change"). So the
 *   SDK's stream is compared without upserts identical to the previous one for the same group.
 * - `assign_group`: one SDK setGroups call assigns several ids in one request, the Segment spec needs one
 *   group call per id; compared as the flat sequence of (profileId, groupId) assignments.
 * - `track`: our transform adds specials (`__timestamp`, `__deviceId`); properties are compared without
 *   `__` keys, and an absent properties object counts as empty.
 */
function comparable(bodies: OpenPanelBody[], side: 'sdk' | 'ours') {
  const lastUpsert = new Map<string, string>();
  const groups = [];
  const assignments = [];
  const tracks = [];
  for (const body of bodies) {
    if (body.type === 'group') {
      const fingerprint = JSON.stringify(body.payload);
      if (side === 'sdk' && lastUpsert.get(body.payload.id) === fingerprint) continue;
      lastUpsert.set(body.payload.id, fingerprint);
      groups.push(body.payload);
    } else if (body.type === 'assign_group') {
      for (const groupId of body.payload.groupIds) assignments.push({ profileId: body.payload.profileId, groupId });
    } else if (body.type === 'track') {
      const { name, profileId, groups: tagged, properties = {} } = body.payload;
      tracks.push({ name, profileId, groups: tagged, properties: Object.fromEntries(Object.entries(properties).filter(([key]) => !key.startsWith('__'))) });
    }
  }
  return { groups, assignments, tracks };
}

describe("parity with OpenPanel's SDK on the seed guide's group flows", () => {
  let openpanel: FakeOpenPanel;
  beforeAll(async () => {
    openpanel = await startFakeOpenPanel();
  });
  afterAll(async () => {
    await openpanel.close();
  });
  beforeEach(() => {
    openpanel.reset();
  });

  it.each(flows.map((flow, index) => [flow.name, flow, index] as const))('%s', async (_name, flow, index) => {
    const config = { clientId: openpanel.clientId, clientSecret: openpanel.clientSecret, apiUrl: openpanel.url };

    const op = new OpenPanel(config);
    await flow.sdk(op);
    expect(openpanel.stats.rejected).toBe(0);
    const sdkBodies = openpanel.requests.map((r) => r.body);

    const destination = createDestination(config);
    const results = await destination.transform(asSegmentEvents(index, flow.segment));
    await destination.close();
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const ourBodies = results.flatMap((r) => (r.status === 'ok' ? r.requests.map((q) => q.body) : []));

    const sdk = comparable(sdkBodies, 'sdk');
    const ours = comparable(ourBodies, 'ours');
    expect(ours.groups).toEqual(sdk.groups);
    expect(ours.assignments).toEqual(sdk.assignments);
    expect(ours.tracks).toEqual(sdk.tracks);
    // Guard against a vacuous pass: every flow tags at least one track.
    expect(sdk.tracks.some((t) => (t.groups?.length ?? 0) > 0)).toBe(true);
  });
});
