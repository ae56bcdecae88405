import { describe, expect, it } from '@jest/globals';
import { readInputItems, type InputItem } from '../../../src/events/input-items.js';

/** The text's lines in groups of `size` (as reads of a stream give them). */
async function* lineGroupsOf(text: string, size: number): AsyncGenerator<string[]> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += size) yield lines.slice(i, i + size);
}
const groupsOf = async (text: string, size: number): Promise<InputItem[][]> => {
  const groups: InputItem[][] = [];
  for await (const items of readInputItems(lineGroupsOf(text, size))) groups.push(items);
  return groups;
};
/** The items, the same whether the lines come one per group or all in one. */
const read = async (text: string): Promise<InputItem[]> => {
  const items = (await groupsOf(text, 1)).flat();
  expect((await groupsOf(text, Infinity)).flat()).toEqual(items);
  return items;
};

const a = { type: 'track', userId: 'u', event: 'A' };
const b = { type: 'track', userId: 'u', event: 'B' };

describe('input documents', () => {
  it.each([
    ['NDJSON with blank lines', `\n${JSON.stringify(a)}\n\n${JSON.stringify(b)}\n`],
    ['a JSON array', JSON.stringify([a, b])],
    ['a pretty-printed JSON array', JSON.stringify([a, b], null, 2)],
    ['a {batch} envelope', JSON.stringify({ batch: [a, b] })],
    ['a pretty-printed {batch} envelope', JSON.stringify({ batch: [a, b] }, null, 2)],
    ['NDJSON of {batch} envelopes', `${JSON.stringify({ batch: [a] })}\n${JSON.stringify({ batch: [b] })}`],
  ])('%s gives the events in order', async (_, text) => {
    expect(await read(text)).toEqual([
      { value: a, storable: true },
      { value: b, storable: true },
    ]);
  });

  it('a pretty-printed single event is one event', async () => {
    expect(await read(JSON.stringify(a, null, 2))).toEqual([{ value: a, storable: true }]);
  });

  it('a broken NDJSON line is an error item naming its line; its neighbours go on', async () => {
    const items = await read(`${JSON.stringify(a)}\n{"type": "track",\n${JSON.stringify(b)}`);
    expect(items).toEqual([{ value: a, storable: true }, { error: expect.stringMatching(/^line 2: not valid JSON/) }, { value: b, storable: true }]);
  });

  it('marks each event whose JSON text holds no escape of NUL or of a surrogate half storable, envelopes and documents as a whole', async () => {
    const nul = { ...a, event: 'a\0' };
    expect(await read(`${JSON.stringify(nul)}\n${JSON.stringify(b)}\n${JSON.stringify({ batch: [a, nul] })}`)).toEqual([
      { value: nul, storable: false },
      { value: b, storable: true },
      { value: a, storable: false },
      { value: nul, storable: false },
    ]);
    expect(await read(JSON.stringify([b, { ...a, event: '\ud800' }], null, 2))).toEqual([
      { value: b, storable: false },
      { value: { ...a, event: '\ud800' }, storable: false },
    ]);
  });

  it("gives each group of lines' events as one group, and no empty groups", async () => {
    const text = [a, b, a, { batch: [a, b] }].map((event) => JSON.stringify(event)).join('\n');
    expect(await groupsOf(`${text}\n\n\n`, 2)).toEqual([
      [
        { value: a, storable: true },
        { value: b, storable: true },
      ],
      [
        { value: a, storable: true },
        { value: a, storable: true },
        { value: b, storable: true },
      ],
    ]);
    expect(await groupsOf(JSON.stringify([a, b], null, 2), 1)).toEqual([
      [
        { value: a, storable: true },
        { value: b, storable: true },
      ],
    ]);
  });

  it('empty input has no events', async () => {
    expect(await read('\n  \n')).toEqual([]);
  });
});

describe('a document that is neither JSON nor NDJSON', () => {
  it('reports each broken line by its line number in the input', async () => {
    expect(await read(`\n[${JSON.stringify(a)},\n${JSON.stringify(b)}`)).toEqual([
      { error: expect.stringMatching(/^line 2: not valid JSON/) },
      { value: b, storable: true },
    ]);
  });
});
