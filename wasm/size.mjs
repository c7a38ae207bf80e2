// Size report of a privrec module: raw, gzip -9 and brotli bytes of the
// file, what a first visit transfers (the module and the SDK, brotli as
// served, against issue 9's bar), its sections, and, when it still has its
// name section (a build without -ldflags=-s), the code bytes of each Go
// package, largest first.
//
//   node wasm/size.mjs [dist/privrec.wasm] [top] [--sdk js/dist]
//
// "As served" is the bytes `privrec serve` sends to a browser that accepts
// brotli: the module compressed with js/scripts/precompress.mjs's settings
// (quality 11, the largest window: what `make demo` and the Navigation
// benchmark ship) and the SDK's own .br files that `npm run build` wrote
// (privrec.js and privrec-worker.js; privrec-measure.js is loaded only
// with measurement on). KB are 1000 bytes, as the bar and the README's
// Page views table count them; the per-section figures are KiB.
//
// Go names its wasm functions by their Go symbol ("fmt.(*pp).doPrintf"),
// so a function's package is its name up to the first "." after the last
// "/". Code bytes are the body sizes in the code section; data (string
// constants, type descriptors, pclntab) is reported per section only.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { brotliOptions } from '../js/scripts/precompress.mjs';

const args = process.argv.slice(2);
let sdkDir = 'js/dist';
const sdkAt = args.indexOf('--sdk');
if (sdkAt >= 0) {
  if (!args[sdkAt + 1]) {
    console.error('size.mjs: --sdk needs a directory (the SDK build, js/dist)');
    process.exit(2);
  }
  sdkDir = args[sdkAt + 1];
  args.splice(sdkAt, 2);
}
const file = args[0] ?? 'dist/privrec.wasm';
const top = Number(args[1] ?? 25);
if (!existsSync(file)) {
  console.error(`size.mjs: ${file} not found; run make wasm (or pass the module's path)`);
  process.exit(2);
}
const bytes = readFileSync(file);

// The bar: module + SDK on a first visit, brotli as served (issue 9).
const barKB = 600;

const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KiB';
const gz = gzipSync(bytes, { level: 9 }).length;
const br = brotliCompressSync(bytes, brotliOptions(bytes.length)).length;
console.log(`${file}: raw ${kb(bytes.length)}  gzip ${kb(gz)}  brotli ${kb(br)}`);


let p = 8;
const u32 = () => {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[p++];
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return v;
    shift += 7;
  }
};
const str = () => {
  const n = u32();
  const s = bytes.subarray(p, p + n).toString('utf8');
  p += n;
  return s;
};

const sectionNames = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];
let imported = 0;
/** @type {number[]} */
let bodies = [];
/** @type {Map<number, string>} */
const names = new Map();
/** @type {Set<string>} */
const exports = new Set();
console.log('sections:');
while (p < bytes.length) {
  const id = bytes[p++];
  const size = u32();
  const end = p + size;
  let label = sectionNames[id] ?? `#${id}`;
  if (id === 0) {
    const start = p;
    label = `custom "${str()}"`;
    if (label === 'custom "name"') {
      while (p < end) {
        const sub = bytes[p++];
        const n = u32();
        const subEnd = p + n;
        if (sub === 1) {
          for (let i = u32(); i > 0; i--) names.set(u32(), str());
        }
        p = subEnd;
      }
    }
    p = start;
  } else if (id === 2) {
    for (let i = u32(); i > 0; i--) {
      str();
      str();
      const kind = bytes[p++];
      if (kind === 0) {
        imported++;
        u32();
      } else if (kind === 1) {
        p++;
        const flags = u32();
        u32();
        if (flags & 1) u32();
      } else if (kind === 2) {
        const flags = u32();
        u32();
        if (flags & 1) u32();
      } else {
        p += 2;
      }
    }
  } else if (id === 7) {
    for (let i = u32(); i > 0; i--) {
      exports.add(str());
      p++;
      u32();
    }
  } else if (id === 10) {
    bodies = [];
    for (let i = u32(); i > 0; i--) {
      const n = u32();
      bodies.push(n);
      p += n;
    }
  }
  console.log(`  ${label.padEnd(28)}${kb(size)}`);
  p = end;
}

// firstVisit prints what a first visit transfers; only for the
// recommender module (the one that exports privrec_recommend): the
// measure module is fetched only with measurement on.
function firstVisit() {
  if (!exports.has('privrec_recommend')) {
    console.log('first visit: not measured (no privrec_recommend export: the 600 KB bar counts privrec.wasm and the SDK)');
    return;
  }
  const sdkFiles = ['privrec.js', 'privrec-worker.js'];
  const missing = sdkFiles.filter((f) => !existsSync(join(sdkDir, f + '.br')));
  if (missing.length > 0) {
    console.log(`first visit: module ${br} bytes brotli; SDK not measured: ${missing.map((f) => join(sdkDir, f + '.br')).join(', ')} not found (run make js, or pass --sdk DIR)`);
  } else {
    const sdkRaw = sdkFiles.reduce((n, f) => n + statSync(join(sdkDir, f)).size, 0);
    const sdkBr = sdkFiles.reduce((n, f) => n + statSync(join(sdkDir, f + '.br')).size, 0);
    const total = (br + sdkBr) / 1000;
    console.log(`first visit (brotli as served): module ${br} + SDK ${sdkBr} (${sdkFiles.join(' + ')}, ${sdkRaw} bytes raw) = ${total.toFixed(1)} KB; bar ${barKB} KB: ${total <= barKB ? `${(barKB - total).toFixed(1)} KB under` : `${(total - barKB).toFixed(1)} KB OVER`}${names.size > 0 ? ' (this build keeps its name section; the one served is stripped, as make wasm builds it)' : ''}`);
  }
}

firstVisit();
if (names.size === 0) {
  console.log('no name section (stripped build): no per-package breakdown');
  process.exit(0);
}
/** @type {Map<string, number>} */
const byPkg = new Map();
let total = 0;
bodies.forEach((n, i) => {
  const name = names.get(imported + i) ?? '?';
  // The name section spells "/" as "_": github.com_privrec_privrec_model.Load.
  const host = /^[a-z0-9-]+\.(com|org|io|net|dev|in)_/.exec(name);
  const dot = name.indexOf('.', host ? host[0].length : 0);
  const pkg = dot === -1 ? name : name.slice(0, dot);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + n);
  total += n;
});
console.log(`code by package (${bodies.length} functions, ${kb(total).trim()}):`);
for (const [pkg, n] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${pkg.padEnd(48)}${kb(n)} ${((100 * n) / total).toFixed(1).padStart(5)}%`);
}
