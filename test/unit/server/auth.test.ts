import { describe, expect, it } from '@jest/globals';
import { basicUser, bearerToken, safeEqual, validSignature, webhookSignature } from '../../../src/entry/server/auth.js';

describe('credential checks', () => {
  it("computes Segment's signature: hex HMAC-SHA1 of the raw body", () => {
    // Reference: printf '{"a":1}' | openssl dgst -sha1 -hmac secret
    expect(webhookSignature(Buffer.from('{"a":1}'), 'secret')).toBe('f8446672f033e4b2beafc5ca3a71eafcd2cafb6e');
  });

  it('accepts the signature in any hex case, and nothing else', () => {
    const body = Buffer.from('{"a":1}');
    expect(validSignature(body, 'F8446672F033E4B2BEAFC5CA3A71EAFCD2CAFB6E', 'secret')).toBe(true);
    expect(validSignature(Buffer.from('{"a": 1}'), 'f8446672f033e4b2beafc5ca3a71eafcd2cafb6e', 'secret')).toBe(false);
    expect(validSignature(body, 'f8446672f033e4b2beafc5ca3a71eafcd2cafb6', 'secret')).toBe(false);
    expect(validSignature(body, '', 'secret')).toBe(false);
    expect(validSignature(body, 'f8446672f033e4b2beafc5ca3a71eafcd2cafb6e', 'other')).toBe(false);
  });

  it("reads the write key as Basic auth's user, as Segment SDKs send it", () => {
    expect(basicUser(`Basic ${Buffer.from('wk_123:').toString('base64')}`)).toBe('wk_123');
    expect(basicUser(`basic ${Buffer.from('wk_123').toString('base64')}`)).toBe('wk_123');
    expect(basicUser('Bearer wk_123')).toBeUndefined();
    expect(basicUser(undefined)).toBeUndefined();
    expect(basicUser('Basic !!!')).toBeUndefined();
  });

  it('reads bearer tokens', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer  abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
  });

  it('compares secrets of any length without throwing', () => {
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
    expect(safeEqual('', 'x'.repeat(1000))).toBe(false);
  });
});
