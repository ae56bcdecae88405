// OpenPanel: the transform is the openpanel-destination package (its CommonJS entry); this file only hands the
// processor and router calls, with rudder-transformer's request metadata, to it.
const { process, processRouterDest } = require('openpanel-destination');

module.exports = { process, processRouterDest };
