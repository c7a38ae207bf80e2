// Builds bundlers/app (a page that imports 'privrec' by its package name)
// with vite, webpack 5 and esbuild, each with no plugin and no privrec-
// specific setting except esbuild's worker entry, as the README's "Install
// and bundle" shows. The package is "installed" first, as npm would: its
// package.json, dist/ and types/ copied into OUT/node_modules/privrec, so
// the bundlers resolve it through package.json's exports, as in a real app.
//
//   node bundlers/build.mjs OUT    (from js/, after npm run build)
//
// writes OUT/vite, OUT/webpack and OUT/esbuild, each with an index.html;
// internal/browsertest serves them and checks recommendations in Chromium.
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
const out = resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: node bundlers/build.mjs OUT');
  process.exit(2);
}

await rm(out, { recursive: true, force: true });
const installed = join(out, 'node_modules', 'privrec');
await mkdir(installed, { recursive: true });
for (const f of ['package.json', 'dist', 'types']) await cp(join(pkg, f), join(installed, f), { recursive: true });
const src = join(out, 'src');
await cp(join(here, 'app'), src, { recursive: true });

/** @param {string} name @param {() => Promise<unknown>} fn */
async function timed(name, fn) {
  const t0 = performance.now();
  await fn();
  console.log(`  ${name}: ${Math.round(performance.now() - t0)} ms`);
}

// vite: index.html is the entry; the worker beside dist/privrec.js is
// emitted as an asset (new URL('./privrec-worker.js', import.meta.url)).
await timed('vite', async () => {
  const { build } = await import('vite');
  await build({ root: src, configFile: false, logLevel: 'warn', build: { outDir: join(out, 'vite'), emptyOutDir: true } });
});

// webpack 5: the same new URL(…) becomes an asset/resource it emits.
await timed('webpack', async () => {
  const { default: webpack } = await import('webpack');
  const stats = await new Promise((res, rej) =>
    webpack(
      {
        mode: 'production',
        context: src,
        entry: './main.js',
        output: { path: join(out, 'webpack'), filename: 'main.js' },
        performance: { hints: false },
      },
      (err, st) => (err ? rej(err) : res(st)),
    ),
  );
  if (/** @type {any} */ (stats).hasErrors()) throw new Error(/** @type {any} */ (stats).toString('errors-only'));
  // webpack's default output is a classic script.
  const html = await readFile(join(src, 'index.html'), 'utf8');
  await writeFile(join(out, 'webpack', 'index.html'), html.replace('type="module" src="./main.js"', 'defer src="./main.js"'));
});

// esbuild leaves new URL(…, import.meta.url) alone: the worker is a second
// entry point, named so it lands beside the page's bundle.
await timed('esbuild', async () => {
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: out,
    entryPoints: { main: join(src, 'main.js'), 'privrec-worker': 'privrec/worker' },
    bundle: true,
    format: 'esm',
    outdir: join(out, 'esbuild'),
    logLevel: 'warning',
  });
  await cp(join(src, 'index.html'), join(out, 'esbuild', 'index.html'));
});
