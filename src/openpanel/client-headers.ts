import pkg from '../../package.json' with { type: 'json' };

/** Headers every request carries; the client secret is deliberately not here (see OpenPanelRequest). */
export function clientHeaders(config: { clientId: string }): Record<string, string> {
  return {
    'openpanel-client-id': config.clientId,
    'openpanel-sdk-name': pkg.name,
    'openpanel-sdk-version': pkg.version,
  };
}
