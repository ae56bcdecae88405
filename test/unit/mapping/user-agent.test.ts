import { describe, expect, it } from '@jest/globals';
import { headerValue, isServerLikeUserAgent, webViewUserAgent } from '../../../src/mapping/user-agent.js';
import { openPanelSees } from '../../support/openpanel-user-agent.js';

describe('webViewUserAgent', () => {
  it.each([
    [
      'an iPhone (Segment/RudderStack iOS)',
      { os: { name: 'iOS', version: '17.4.1' }, device: { manufacturer: 'Apple', model: 'iPhone15,2', type: 'ios' } },
      { os: 'iOS', osVersion: '17.4.1', type: 'mobile', vendor: 'Apple', model: 'iPhone' },
    ],
    [
      'an iPad by model',
      { os: { name: 'iOS', version: '17.1' }, device: { model: 'iPad13,4' } },
      { os: 'iOS', osVersion: '17.1', type: 'tablet', vendor: 'Apple', model: 'iPad' },
    ],
    ['iPadOS', { os: { name: 'iPadOS', version: '18.0' } }, { os: 'iOS', osVersion: '18.0', type: 'tablet', model: 'iPad' }],
    [
      'an Android phone',
      { os: { name: 'Android', version: '14' }, device: { manufacturer: 'Google', model: 'Pixel 8' } },
      { os: 'Android', osVersion: '14', type: 'mobile', model: 'Pixel 8', browser: 'Chrome WebView' },
    ],
    [
      'an Android phone, lower case os (RudderStack Android)',
      { os: { name: 'android', version: '8.1.0' }, device: { model: 'Redmi 6' } },
      { os: 'Android', osVersion: '8.1.0', type: 'mobile', vendor: 'Xiaomi', model: 'Redmi 6' },
    ],
    [
      'a Samsung tablet',
      { os: { name: 'Android', version: 13 }, device: { model: 'SM-T870' } },
      { os: 'Android', osVersion: '13', type: 'tablet', vendor: 'Samsung', model: 'SM-T870' },
    ],
    // Without an OS version ua-parser reads no model from the UA; __model (context.device.model) gives it to OpenPanel.
    ['the platform from device.type only', { device: { type: 'android', model: 'Pixel 5' } }, { os: 'Android', type: 'mobile' }],
    [
      'a model with UA delimiters in it',
      { os: { name: 'Android', version: '12' }, device: { model: 'SM-G991B (Galaxy; S21)' } },
      { os: 'Android', model: 'SM-G991B', vendor: 'Samsung' },
    ],
    ['an Android without version or model', { os: { name: 'Android' } }, { os: 'Android', type: 'mobile' }],
    ['an iPhone without a version', { os: { name: 'iOS' } }, { type: 'mobile', vendor: 'Apple', model: 'iPhone' }],
    [
      'a Mac app (analytics-swift on macOS)',
      { os: { name: 'macOS', version: '14.4' } },
      { os: 'macOS', osVersion: '14.4', vendor: 'Apple', model: 'Macintosh' },
    ],
  ])('%s: OpenPanel sees the device, not a server', (_, context, expected) => {
    const ua = webViewUserAgent(context);
    expect(ua).toBeDefined();
    expect(headerValue(ua)).toBe(ua);
    expect(openPanelSees(ua as string)).toMatchObject({ server: false, ...expected });
  });

  it.each([
    ['no context', undefined],
    [
      'a web SDK context (empty os name, app)',
      { os: { name: '', version: '' }, app: { name: 'RudderLabs JavaScript SDK' }, library: { name: 'RudderLabs JavaScript SDK' } },
    ],
    ['a server library context', { library: { name: 'analytics-node', version: '2.1.0' } }],
    ['an app without os or device', { app: { name: 'Snap', version: '3.2.0' } }],
    ['an OS without a WebView user-agent form', { os: { name: 'tvOS', version: '17.0' } }],
  ])('%s: none', (_, context) => {
    expect(webViewUserAgent(context)).toBeUndefined();
  });
});

describe('header values', () => {
  it.each([
    ['  203.0.113.7 ', '203.0.113.7'],
    ['Mozilla/5.0 (X11)\n', 'Mozilla/5.0 (X11)'],
    ['caf\u00e9/1.0', 'caf\u00e9/1.0'],
    ['a\r\nX-Injected: 1', undefined],
    ['snow \u2603', undefined],
    ['nul\u0000', undefined],
    ['   ', undefined],
    [42, undefined],
  ])('headerValue(%j) = %j', (input, output) => {
    expect(headerValue(input)).toBe(output);
  });

  it.each([
    ['okhttp/4.12.0', true],
    ['analytics-python/2.3.0', true],
    ['unknown', true],
    ['Dalvik/2.1.0 (Linux; U; Android 11; Pixel 5 Build/RQ3A)', false],
    ['MyApp/3.2 (iPhone; iOS 17.4)', false],
  ])('isServerLikeUserAgent(%j) = %j', (ua, expected) => {
    expect(isServerLikeUserAgent(ua)).toBe(expected);
    if (expected) expect(openPanelSees(ua).server).toBe(true);
  });
});
