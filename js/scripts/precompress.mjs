// Writes FILE.br (brotli, quality 11) and FILE.gz (gzip, level 9) beside
// each FILE given, for servers that send precompressed files as they are
// (`privrec serve` does, and checks that each decompresses to its file).
//
//   node scripts/precompress.mjs dist/privrec.js ../web/gen/privrec.wasm
//
// Quality 11 is slow (about 5 s per MB): a build step's job, not a server's.
import { readFile, writeFile } from 'node:fs/promises';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { promisify } from 'node:util';

const br = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * The brotli settings of every .br file served (quality 11, the largest
 * window); wasm/size.mjs measures with them too, so its "as served" bytes
 * are these files' sizes.
 * @param {number} length of the input
 * @returns {import('node:zlib').BrotliOptions}
 */
export function brotliOptions(length) {
  return {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: length,
    },
  };
}

/**
 * @param {string} file
 * @returns {Promise<{file: string, bytes: number, br: number, gz: number}>}
 */
export async function precompress(file) {
  const data = await readFile(file);
  const [b, g] = await Promise.all([
    br(data, brotliOptions(data.length)),
    gz(data, { level: 9 }),
  ]);
  await Promise.all([writeFile(`${file}.br`, b), writeFile(`${file}.gz`, g)]);
  return { file, bytes: data.length, br: b.length, gz: g.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node scripts/precompress.mjs FILE...');
    process.exit(2);
  }
  try {
    for (const r of await Promise.all(files.map(precompress))) {
      console.log(`${r.file}: ${r.bytes} bytes, brotli ${r.br}, gzip ${r.gz}`);
    }
  } catch (e) {
    console.error(`precompress: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
