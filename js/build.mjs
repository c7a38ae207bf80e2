// Builds the files a storefront serves: dist/privrec.js (the page's ESM
// entry) and dist/privrec-worker.js (the dedicated worker it starts, found
// beside it), each with a .br and a .gz beside it. Both are self-contained: any static host, or `privrec serve`,
// can serve them with privrec.wasm and the signed bundle.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { precompress } from './scripts/precompress.mjs';

const common = {
  bundle: true,
  format: /** @type {const} */ ('esm'),
  platform: /** @type {const} */ ('browser'),
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: /** @type {const} */ ('linked'),
  logLevel: /** @type {const} */ ('info'),
};

// Measurement (src/measure.js) is its own file, dist/privrec-measure.js:
// the worker's dynamic import('./measure.js') is left as an import of that
// file beside it, so a page without measurement never downloads it.
const measureChunk = {
  name: 'privrec-measure-chunk',
  setup(/** @type {import('esbuild').PluginBuild} */ b) {
    b.onResolve({ filter: /^\.\/measure\.js$/ }, (args) => (args.kind === 'dynamic-import' ? { path: './privrec-measure.js', external: true } : undefined));
  },
};

await mkdir('dist', { recursive: true });
await build({
  ...common,
  entryPoints: { privrec: 'src/index.js', 'privrec-worker': 'src/privrec-worker.js', 'privrec-measure': 'src/measure.js' },
  outdir: 'dist',
  plugins: [measureChunk],
});
await copyFile('types/index.d.ts', 'dist/privrec.d.ts');
// Brotli (quality 11) and gzip beside each bundle, for servers that send
// precompressed files (privrec serve does).
for (const r of await Promise.all(['dist/privrec.js', 'dist/privrec-worker.js', 'dist/privrec-measure.js'].map(precompress))) {
  console.log(`  ${r.file}: ${r.bytes} bytes, brotli ${r.br}, gzip ${r.gz}`);
}
