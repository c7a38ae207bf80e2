// Size report of a privrec module: raw, gzip -9 and brotli (quality 11)
// bytes of the file, its sections, and, when it still has its name
// section (a build without -ldflags=-s), the code bytes of each Go
// package, largest first.
//
//   node wasm/size.mjs dist/privrec.wasm [top]
//
// Go names its wasm functions by their Go symbol ("fmt.(*pp).doPrintf"),
// so a function's package is its name up to the first "." after the last
// "/". Code bytes are the body sizes in the code section; data (string
// constants, type descriptors, pclntab) is reported per section only.
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const file = process.argv[2] ?? 'dist/privrec.wasm';
const top = Number(process.argv[3] ?? 25);
const bytes = readFileSync(file);

const kb = (n) => (n / 1024).toFixed(1).padStart(8) + ' KiB';
const gz = gzipSync(bytes, { level: 9 }).length;
const br = brotliCompressSync(bytes, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
}).length;
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
