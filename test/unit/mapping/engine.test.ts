import { describe, expect, it } from '@jest/globals';
import { configSchema } from '../../../src/config/schema.js';
import { compileMapping } from '../../../src/mapping/engine.js';
import { zMappingFile } from '../../../src/mapping/schema.js';

const config = configSchema.parse({ clientId: '0b6f7c1e-4a2d-4c1b-9e8f-5a3d2c1b0a99', clientSecret: 'sec_engine_test', defaultGroupType: 'workspace' });
const compile = (fields: unknown[]) => compileMapping(zMappingFile.parse({ fields }));

describe('value fields', () => {
  const mapping = compile([{ destKey: 'url', sourceKeys: ['properties.url', 'context.page.url', 'context.page.path'], format: 'string' }]);

  it('take the first source key that yields a value, in the order listed', () => {
    const page = { url: 'https://ctx/', path: '/ctx' };
    expect(mapping.apply({ properties: { url: 'https://props/' }, context: { page } }, config)).toEqual({ url: 'https://props/' });
    expect(mapping.apply({ properties: {}, context: { page } }, config)).toEqual({ url: 'https://ctx/' });
    expect(mapping.apply({ context: { page: { path: '/ctx' } } }, config)).toEqual({ url: '/ctx' });
  });

  it('fall through a source whose value the format refuses (empty, null, wrong kind)', () => {
    expect(mapping.apply({ properties: { url: '  ' }, context: { page: { url: null, path: '/p' } } }, config)).toEqual({ url: '/p' });
    expect(mapping.apply({ properties: { url: { href: 'x' } }, context: 'not an object' }, config)).toEqual({});
  });

  it('write dotted destKeys as nested objects', () => {
    const nested = compile([{ destKey: 'properties.__title', sourceKeys: ['name'] }]);
    expect(nested.apply({ name: 'Home' }, config)).toEqual({ properties: { __title: 'Home' } });
  });

  it('default to the `value` format: any value but null, unchanged', () => {
    const plain = compile([{ destKey: 'v', sourceKeys: ['a', 'b'] }]);
    expect(plain.apply({ a: 0, b: 1 }, config)).toEqual({ v: 0 });
    expect(plain.apply({ a: null, b: { deep: [1] } }, config)).toEqual({ v: { deep: [1] } });
  });
});

describe('fallback fields with the same destKey', () => {
  const mapping = compile([
    { destKey: 'firstName', sourceKeys: ['traits.firstName', 'traits.first_name'], format: 'string' },
    { destKey: 'firstName', sourceKeys: ['traits.name'], format: 'firstName' },
    { destKey: 'lastName', sourceKeys: ['traits.lastName'], format: 'string' },
    { destKey: 'lastName', sourceKeys: ['traits.name'], format: 'lastName' },
  ]);

  it('are tried only when the earlier field found nothing, each with its own format', () => {
    expect(mapping.apply({ traits: { first_name: 'Ana', name: 'Jane Doe' } }, config)).toEqual({ firstName: 'Ana', lastName: 'Doe' });
    expect(mapping.apply({ traits: { name: 'Jane Q. Doe' } }, config)).toEqual({ firstName: 'Jane', lastName: 'Q. Doe' });
    expect(mapping.apply({ traits: { name: 'Cher' } }, config)).toEqual({ firstName: 'Cher' });
  });
});

describe('$config. sources', () => {
  const mapping = compile([{ destKey: 'type', sourceKeys: ['traits.type', '$config.defaultGroupType'], format: 'string' }]);

  it('read the destination config instead of the event', () => {
    expect(mapping.apply({ traits: {} }, config)).toEqual({ type: 'workspace' });
    expect(mapping.apply({ traits: { type: 'team' } }, config)).toEqual({ type: 'team' });
  });

  it('are not read from an event field of the same name', () => {
    expect(mapping.apply({ $config: { defaultGroupType: 'spoofed' }, defaultGroupType: 'spoofed' }, config)).toEqual({ type: 'workspace' });
  });
});

describe('enabledBy', () => {
  const mapping = compile([
    { destKey: 'properties.__deviceId', sourceKeys: ['anonymousId'], format: 'deviceId', enabledBy: 'deviceIdFromAnonymousId' },
    { destKey: 'properties.other', sourceKeys: ['anonymousId'] },
  ]);

  it('maps the field only while that config boolean is on, and leaves the source for other fields', () => {
    expect(mapping.apply({ anonymousId: 'anon-1' }, config)).toEqual({ properties: { __deviceId: 'anon-1', other: 'anon-1' } });
    expect(mapping.apply({ anonymousId: 'anon-1' }, { ...config, deviceIdFromAnonymousId: false })).toEqual({ properties: { other: 'anon-1' } });
  });
});

describe('restOf', () => {
  it('copies the remaining keys minus those consumed by value fields and minus `except`', () => {
    const mapping = compile([
      { destKey: 'email', sourceKeys: ['traits.email'], format: 'email' },
      { destKey: 'firstName', sourceKeys: ['traits.firstName', 'traits.name'], format: 'string' },
      { destKey: 'properties', restOf: 'traits', except: ['password'] },
    ]);
    const traits = { email: 'jane@acme.com', firstName: 'Jane', name: 'Jane Doe', plan: 'pro', password: 'hunter2', gone: undefined };
    expect(mapping.apply({ traits }, config)).toStrictEqual({ email: 'jane@acme.com', firstName: 'Jane', properties: { name: 'Jane Doe', plan: 'pro' } });
  });

  it('keeps a source the format refused (it was not consumed)', () => {
    const mapping = compile([
      { destKey: 'email', sourceKeys: ['traits.email'], format: 'email' },
      { destKey: 'properties', restOf: 'traits' },
    ]);
    expect(mapping.apply({ traits: { email: 'not-an-email' } }, config)).toEqual({ properties: { email: 'not-an-email' } });
  });

  it('writes nothing when no key remains or the source is not an object', () => {
    const mapping = compile([
      { destKey: 'name', sourceKeys: ['properties.name'] },
      { destKey: 'properties', restOf: 'properties', except: ['groups'] },
    ]);
    expect(mapping.apply({ properties: { name: 'x', groups: ['g'] } }, config)).toStrictEqual({ name: 'x' });
    expect(mapping.apply({ properties: ['a'] }, config)).toStrictEqual({});
    expect(mapping.apply({}, config)).toStrictEqual({});
  });

  it('merges with fields written into the same object, which keep their values whichever comes first', () => {
    const event = { properties: { url: 'https://acme.com/', __path: 'sent by the user', plan: 'pro' } };
    const restFirst = compile([
      { destKey: 'properties', restOf: 'properties' },
      { destKey: 'properties.__path', sourceKeys: ['properties.url'] },
    ]);
    const restLast = compile([
      { destKey: 'properties.__path', sourceKeys: ['properties.url'] },
      { destKey: 'properties', restOf: 'properties' },
    ]);
    expect(restFirst.apply(event, config)).toEqual({ properties: { __path: 'https://acme.com/', plan: 'pro' } });
    expect(restLast.apply(event, config)).toEqual({ properties: { __path: 'https://acme.com/', plan: 'pro' } });
  });
});

describe('output', () => {
  it('follows declaration order, not the order of the event or of the sources found', () => {
    const mapping = compile([
      { destKey: 'name', sourceKeys: ['event'] },
      { destKey: 'profileId', sourceKeys: ['userId'] },
      { destKey: 'properties', restOf: 'properties' },
      { destKey: 'properties.__title', sourceKeys: ['title'] },
    ]);
    const out = mapping.apply({ title: 'T', properties: { z: 1, a: 2 }, userId: 'u', event: 'E' }, config);
    expect(Object.keys(out)).toEqual(['name', 'profileId', 'properties']);
    expect(Object.keys(out['properties'] as object)).toEqual(['z', 'a', '__title']);
  });

  it('is a fresh object every time: applying never changes the event or an earlier output', () => {
    const mapping = compile([{ destKey: 'properties', restOf: 'properties' }]);
    const event = { properties: { a: 1 } };
    const first = mapping.apply(event, config);
    (first['properties'] as Record<string, unknown>)['b'] = 2;
    expect(event).toEqual({ properties: { a: 1 } });
    expect(mapping.apply(event, config)).toEqual({ properties: { a: 1 } });
  });
});
