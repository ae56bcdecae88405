import { UAParser } from 'ua-parser-js';

/**
 * What OpenPanel's packages/common/server/parser-user-agent.ts makes of a user-agent: a server when it is a bare
 * `name/version` or ua-parser-js (which OpenPanel uses) finds no OS, browser, vendor or model in it; else the
 * device it parses. Used to check that the user-agents we send make OpenPanel see a device.
 */
export function openPanelSees(ua: string) {
  const { os, browser, device } = new UAParser(ua).getResult();
  const server =
    /^[^/]+\/[\d.]+$/.test(ua) || (os.name === undefined && browser.name === undefined && device.vendor === undefined && device.model === undefined);
  return { server, os: os.name, osVersion: os.version, type: device.type, model: device.model, vendor: device.vendor, browser: browser.name };
}
