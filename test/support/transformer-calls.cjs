// Processor events and router batches through a transformer API (`process`, `processRouterDest`), answers recorded as
// the host sees them. Plain CommonJS so a child process that `require`s the package, as rudder-transformer does,
// runs the same calls as jest does in process (test/support/harness-responses.ts reads the answers).
const { createRequire } = require('node:module');
const { join } = require('node:path');

/**
 * @param {{ process: Function, processRouterDest: Function }} api
 * @param {Function} hostBaseError the host's @rudderstack/integrations-lib BaseError, which thrown errors must be
 * @param {{ processor: object[][], router: object[][] }} calls
 */
async function transformerCalls(api, hostBaseError, { processor, router }) {
  const processed = [];
  for (const events of processor) {
    const answers = [];
    for (const event of events) {
      try {
        answers.push({ requests: await api.process(event) });
      } catch (error) {
        answers.push({ error: { status: error.status, message: error.message, statTags: error.statTags, hostBaseError: error instanceof hostBaseError } });
      }
    }
    processed.push(answers);
  }
  const routed = [];
  for (const inputs of router) routed.push(await api.processRouterDest(inputs));
  return { processed, routed };
}

module.exports = { transformerCalls };

// As a child process: calls as JSON on stdin, answers as JSON on stdout, with the packages its working folder resolves.
if (require.main === module) {
  const requireHere = createRequire(join(process.cwd(), 'host.js'));
  let input = '';
  process.stdin.on('data', (chunk) => (input += chunk));
  process.stdin.on('end', async () => {
    const api = requireHere('openpanel-destination');
    let BaseError = class NoHostPackage {};
    try {
      ({ BaseError } = requireHere('@rudderstack/integrations-lib/build/errors/index.js'));
    } catch {
      // A host without the optional peer: errors are the package's own (hostBaseError false).
    }
    const answers = await transformerCalls(api, BaseError, JSON.parse(input));
    // The membership store's connections would keep a host alive: this one is done.
    process.stdout.write(JSON.stringify(answers), () => process.exit(0));
  });
}
