import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The console's pages and scripts: plain files in the package's `console/` folder, no build step. */
const consoleDir = fileURLToPath(new URL('../../../../console/', import.meta.url));
const require = createRequire(import.meta.url);

const types: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

export interface Asset {
  type: string;
  body: Buffer;
}

/** Read once at start: a handful of small files, served from memory; uPlot comes from its npm package (no CDN). */
export function loadAssets(): Map<string, Asset> {
  const files: Array<[name: string, path: string]> = [
    ['console.html', `${consoleDir}console.html`],
    ['login.html', `${consoleDir}login.html`],
    ['console.js', `${consoleDir}console.js`],
    ['console.css', `${consoleDir}console.css`],
    ['login.js', `${consoleDir}login.js`],
    ['uPlot.iife.min.js', require.resolve('uplot/dist/uPlot.iife.min.js')],
    ['uPlot.min.css', require.resolve('uplot/dist/uPlot.min.css')],
  ];
  return new Map(files.map(([name, path]) => [name, { type: types[name.split('.').pop()!]!, body: readFileSync(path) }]));
}
