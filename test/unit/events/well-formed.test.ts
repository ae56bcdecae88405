import { describe, expect, it } from '@jest/globals';
import { wellFormed } from '../../../src/events/well-formed.js';

describe('text that cannot be stored', () => {
  it('lone surrogates and NUL become U+FFFD in values and keys, at any depth; the paths are named', () => {
    const raw = { type: 'track', userId: '\ud800x', event: 'a\0b', properties: { ['k\udc00']: ['ok', 'y\ud83d'], nested: { v: '\0' } } };
    const { value, replaced } = wellFormed(raw);
    expect(value).toEqual({ type: 'track', userId: '\ufffdx', event: 'a\ufffdb', properties: { ['k\ufffd']: ['ok', 'y\ufffd'], nested: { v: '\ufffd' } } });
    expect(replaced).toEqual(['userId', 'event', 'properties.k\ufffd[1]', 'properties.k\ufffd', 'properties.nested.v']);
    expect(raw.userId).toBe('\ud800x'); // the input is not modified
  });

  it('leaves well-formed text as it is (emoji pairs, RTL marks, other controls) and does not copy', () => {
    const raw = { userId: '👩‍💻\u200f\u202e', event: 'tab\there', traits: { ключ: 'значение' } };
    const result = wellFormed(raw);
    expect(result.value).toBe(raw);
    expect(result.replaced).toBeUndefined();
  });

  it('a __proto__ key read from JSON stays data, not the prototype', () => {
    const raw = JSON.parse('{"__proto__": {"polluted": "\\ud800"}, "a": "\\u0000"}') as Record<string, unknown>;
    const { value } = wellFormed(raw);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect((value as Record<string, { polluted: string }>)['__proto__']!.polluted).toBe('\ufffd');
  });

  it('names at most five paths', () => {
    const { replaced } = wellFormed(Array.from({ length: 9 }, () => '\ud800'));
    expect(replaced).toEqual(['[0]', '[1]', '[2]', '[3]', '[4]', '…']);
  });
});
