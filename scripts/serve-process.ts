import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `openpanel-destination serve` as a user runs it (the built CLI in its own process, its JSON log captured): for the demo and the e2e tests. */
export interface ServeProcess {
  /** http://host:port it listens on. */
  url: string;
  child: ChildProcess;
  /** Everything written to stdout (pino's JSON lines) and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal that ended it). */
  exited: Promise<number | NodeJS.Signals>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

const bin = new URL('../bin/openpanel-destination', import.meta.url).pathname;

export function writeConfig(config: object, dir = mkdtempSync(join(tmpdir(), 'op-serve-config-'))): string {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** `serve` on a free port (`--port 0`) unless `env` sets PORT. */
const spawnServe = (args: string[], env: NodeJS.ProcessEnv) =>
  spawn(process.execPath, [bin, 'serve', ...(env.PORT === undefined ? ['--port', '0'] : []), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Runs the CLI with `args` and, unless it exits first, resolves once its "serving" line names the address. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawnServe(args, env);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | NodeJS.Signals);
  const url = await new Promise<string>((resolve, reject) => {
    const look = (): void => {
      const address = /"address":"(http:\/\/[^"]+)".*"msg":"serving"/.exec(output)?.[1];
      if (address !== undefined) {
        child.stdout.off('data', look);
        resolve(address);
      }
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening:\n${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI expecting it to exit without serving; resolves with its exit code and output. */
export async function serveExit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | NodeJS.Signals; output: string }> {
  const child = spawnServe(args, env);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code, signal] = await once(child, 'exit');
  return { code: (code ?? signal) as number | NodeJS.Signals, output };
}

/** POSTs `batch` to serve's /v1/batch as a Segment SDK does: Basic auth with the write key as the user. */
export function postBatch(url: string, writeKey: string, batch: unknown[]): Promise<Response> {
  return fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body: JSON.stringify({ batch }),
  });
}
