import { z } from 'zod';
import { eventNameProblem } from '../openpanel/event-name.js';

/** An event name OpenPanel accepts (checked here so a config cannot make every page call a 400); '' may mean "none". */
const zEventName = (emptyMeansNone = false) =>
  (emptyMeansNone ? z.string() : z.string().min(1)).superRefine((name, ctx) => {
    const problem = emptyMeansNone && name === '' ? undefined : eventNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** RudderStack's source types (rudder-integrations-config), each of which may send to a cloud-mode destination. */
export const sourceTypes = [
  'android',
  'androidKotlin',
  'ios',
  'iosSwift',
  'web',
  'unity',
  'amp',
  'reactnative',
  'flutter',
  'cordova',
  'shopify',
  'cloud',
  'warehouse',
] as const;

/** One consent rule of the RudderStack form: the provider and the category IDs the user must have consented to. */
const zConsentRule = z.object({
  provider: z.enum(['custom', 'iubenda', 'ketch', 'oneTrust']).default('oneTrust'),
  // Only the custom provider asks for it; the form stores "" or leaves it out for the others.
  resolutionStrategy: z.enum(['and', 'or', '']).optional(),
  consents: z.array(z.object({ consent: z.string() })).default([]),
});

/**
 * What a CDP user sets per destination: the settings form of manifest.json and of the RudderStack definition
 * (scripts/write-manifest.ts). Keys as RudderStack's destinations name them; `meta` carries the help text the
 * README and the form show, and `secret` marks keys never printed.
 */
export const destinationConfigSchema = z.object({
  clientId: z.guid().meta({ title: 'Client ID', description: 'OpenPanel client ID (a UUID), from Project settings > Clients.' }),
  clientSecret: z
    .string()
    .min(1)
    .meta({ title: 'Client secret', description: 'Secret of a server-side OpenPanel client; server-to-server events need it.', secret: true }),
  apiUrl: z
    .url({ protocol: /^https?$/ })
    .default('https://api.openpanel.dev')
    .meta({ title: 'API URL', description: 'OpenPanel API base URL. Self-hosted installs: https://your-host/api.' }),
  defaultGroupType: z
    .string()
    .min(1)
    .default('company')
    .meta({ title: 'Default group type', description: 'Group type when a group call has no traits.type or traits.groupType.' }),
  pageEventName: zEventName().default('screen_view').meta({ title: 'Page event name', description: 'OpenPanel event name for page calls.' }),
  screenEventName: zEventName().default('screen_view').meta({ title: 'Screen event name', description: 'OpenPanel event name for screen calls.' }),
  deviceIdFromAnonymousId: z.boolean().default(true).meta({
    title: 'Device ID from anonymousId',
    description: "Send anonymousId as OpenPanel's device id, so devices and sessions follow the CDP's stable id.",
  }),
  revenueEventName: zEventName(true)
    .default('Order Completed')
    .meta({ title: 'Revenue event', description: 'Track event whose revenue property also yields an OpenPanel revenue event. Empty: none.' }),
  revenueProperty: z
    .string()
    .min(1)
    .default('revenue')
    .meta({ title: 'Revenue property', description: 'Property of the revenue event holding the amount in major units (e.g. 12.34).' }),
  eventFilteringOption: z.enum(['disable', 'whitelistedEvents', 'blacklistedEvents']).default('disable').meta({
    title: 'Event filtering',
    description: 'Which list filters track events: disable, whitelistedEvents (only those) or blacklistedEvents (all but those).',
  }),
  whitelistedEvents: z
    .array(z.string().min(1))
    .default([])
    .meta({ title: 'Allowlisted events', description: 'Track event names sent when eventFilteringOption is whitelistedEvents.' }),
  blacklistedEvents: z
    .array(z.string().min(1))
    .default([])
    .meta({ title: 'Denylisted events', description: 'Track event names skipped when eventFilteringOption is blacklistedEvents.' }),
  consentManagement: z.partialRecord(z.enum(sourceTypes), z.array(zConsentRule)).default({}).meta({
    title: 'Consent management',
    description: 'Consent rules per source type, as the RudderStack form stores them; rudder-server applies them before events reach the destination.',
  }),
});
