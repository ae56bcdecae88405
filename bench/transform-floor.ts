/**
 * The least a transform can do: parse each serialized event, copy a few fields into an OpenPanel-shaped
 * request, serialize it. No validation, membership or rules: a floor, not a competitor.
 */
export function remapFloor(lines: string[]): string[] {
  return lines.map((line) => {
    const event = JSON.parse(line) as Record<string, any>;
    const context = event['context'] ?? {};
    return JSON.stringify({
      headers: { 'user-agent': context.userAgent, 'openpanel-client-ip': context.ip },
      body: {
        type: 'track',
        payload: {
          name: event['event'] ?? event['name'] ?? event['type'],
          profileId: event['userId'],
          properties: { ...event['properties'], ...event['traits'], __timestamp: event['timestamp'] },
        },
      },
    });
  });
}
