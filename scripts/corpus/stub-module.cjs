// Stands in for every module a rudder-transformer test data file imports from outside test/integrations
// (the transformer's src/ and its npm packages): the input events are literals, only some expected outputs
// call those helpers, and those outputs are discarded.
const handler = {
  get: (_target, key) => (key === Symbol.toPrimitive ? () => 'stub' : key === 'then' ? undefined : key === '__esModule' ? true : stub),
  apply: () => stub,
  construct: () => stub,
};
const stub = new Proxy(function stub() {}, handler);
module.exports = stub;
