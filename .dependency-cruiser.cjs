/**
 * Imports run one way (docs/architecture.md "Layers"): a module imports only from its own layer and the layers
 * below it. `npm run lint` runs this (depcruise); test/unit/architecture.test.ts proves it refuses an import
 * against the flow.
 */
const layers = [
  ['helpers', '^src/(helpers/|errors[.]ts$)'],
  ['events', '^src/events/'],
  ['openpanel contract', '^src/openpanel/(contract|event-name|group-properties|client-headers)[.]ts$|^src/openpanel/[^/]+[.]json$'],
  ['config', '^src/config/'],
  ['mapping', '^src/mapping/'],
  ['membership', '^src/membership/'],
  ['transform', '^src/transform/'],
  ['openpanel client', '^src/openpanel/'],
  ['delivery', '^src/delivery/'],
  ['state', '^src/state/'],
  ['entry', '^src/entry/'],
];

const against = layers.flatMap(([name, path], i) => {
  const above = layers.slice(i + 1).map(([, abovePath]) => `(${abovePath})`);
  const earlier = layers.slice(0, i).map(([, lowerPath]) => `(${lowerPath})`);
  if (above.length === 0) return [];
  return [
    {
      name: `${name} imports against the flow`,
      comment: `${name} may import only itself and the layers below it (docs/architecture.md "Layers")`,
      severity: 'error',
      // A file matched by an earlier layer's pattern belongs to that layer (the openpanel contract before the client).
      from: { path, ...(earlier.length > 0 ? { pathNot: earlier.join('|') } : {}) },
      to: { path: above.join('|'), pathNot: [path, ...earlier].join('|') },
    },
  ];
});

module.exports = {
  forbidden: [
    ...against,
    {
      name: 'entry points apart',
      comment: 'the library and the RudderStack entry are used by the CLI and the server, never the other way round',
      severity: 'error',
      from: { path: '^src/entry/(library|rudderstack)/' },
      to: { path: '^src/entry/(cli|server)/' },
    },
    { name: 'server without cli', severity: 'error', from: { path: '^src/entry/server/' }, to: { path: '^src/entry/cli/' } },
    { name: 'no cycles', severity: 'error', from: {}, to: { circular: true } },
    { name: 'src without tests', severity: 'error', from: { path: '^src/' }, to: { path: '^(test|bench|scripts)/' } },
    { name: 'resolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
