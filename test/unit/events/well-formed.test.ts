import { describe, expect, it } from '@jest/globals';
import { storableJson, wellFormed } from '../../../src/events/well-formed.js';

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

describe('storableJson: a scan of the JSON text instead of a walk of the value', () => {
  const texts = [
    '{"userId":"u1","event":"plain ascii"}',
    '{"event":"ключ 👩‍💻 \u200f"}',
    '{"event":"escaped pair \\ud83d\\ude00"}',
    '{"event":"lone \\ud800"}',
    '{"event":"lone low \\uDC00"}',
    '{"event":"nul \\u0000 inside"}',
    '{"event":"a backslash then u: \\\\ud800"}',
    '{"event":"tab \\u0009 and \\u00e9"}',
    '{"k\\udfff":"key"}',
  ];

  it('says yes only for text whose parsed value needs no replacement', () => {
    for (const text of texts) if (storableJson(text)) expect(wellFormed(JSON.parse(text)).replaced).toBeUndefined();
  });

  it('says no for escapes of NUL and surrogate halves (pairs included: the walk keeps them), yes for other text', () => {
    expect(texts.map(storableJson)).toEqual([true, true, false, false, false, false, false, true, false]);
  });

  it('says no for text that is itself not well-formed or holds NUL', () => {
    expect(storableJson('{"event":"\ud800"}')).toBe(false);
    expect(storableJson('{"event":"\0"}')).toBe(false);
  });
});
