import test from 'node:test';
import assert from 'node:assert/strict';
import { ALLOWED_IMPORTS, Wasi, checkImports } from '../src/wasi.js';
import { Engine } from '../src/module.js';
import { Code, PrivrecError } from '../src/errors.js';
import { wasmBytes } from './helpers/fixtures.js';

// A minimal wasm binary encoder: enough to hand-write modules whose only
// interesting part is their import section.
/** @param {number} n */
function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
/** @param {string} s */
const str = (s) => [...uleb(s.length), ...new TextEncoder().encode(s)];
/** @param {number} id @param {number[]} body */
const section = (id, body) => [id, ...uleb(body.length), ...body];

/**
 * @param {{module: string, name: string, kind: 'func'|'memory'}[]} imports
 */
function moduleWithImports(imports) {
  const types = section(1, [1, 0x60, 0, 0]); // one type: () -> ()
  const entries = imports.map((i) => [...str(i.module), ...str(i.name), ...(i.kind === 'func' ? [0x00, 0] : [0x02, 0x00, 1])]);
  const imp = section(2, [...uleb(imports.length), ...entries.flat()]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imp]);
}

test('the real module imports only the allowlist', () => {
  const mod = new WebAssembly.Module(wasmBytes);
  checkImports(mod);
  // A leaner module may need fewer (fd_read went with fmt); never another.
  const allowed = new Set(ALLOWED_IMPORTS.map((n) => `wasi_snapshot_preview1.${n}`));
  const names = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`);
  assert.ok(names.length > 0);
  for (const n of names) assert.ok(allowed.has(n), `${n} is not in the allowlist`);
});

test('imports outside the allowlist are refused, by name', async (t) => {
  const cases = [
    { name: 'path_open', imports: [{ module: 'wasi_snapshot_preview1', name: 'path_open', kind: 'func' }], want: 'wasi_snapshot_preview1.path_open' },
    { name: 'sock_accept', imports: [{ module: 'wasi_snapshot_preview1', name: 'sock_accept', kind: 'func' }], want: 'sock_accept' },
    { name: 'other module', imports: [{ module: 'env', name: 'fetch', kind: 'func' }], want: 'env.fetch' },
    { name: 'allowed name from another module', imports: [{ module: 'wasi_unstable', name: 'fd_write', kind: 'func' }], want: 'wasi_unstable.fd_write' },
    { name: 'memory import', imports: [{ module: 'wasi_snapshot_preview1', name: 'fd_write', kind: 'memory' }], want: 'fd_write (memory)' },
    {
      name: 'one bad among good',
      imports: [
        { module: 'wasi_snapshot_preview1', name: 'fd_write', kind: 'func' },
        { module: 'wasi_snapshot_preview1', name: 'path_unlink_file', kind: 'func' },
      ],
      want: 'path_unlink_file',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const bytes = moduleWithImports(/** @type {any} */ (c.imports));
      await assert.rejects(Engine.create(bytes), (/** @type {any} */ err) => {
        assert.ok(err instanceof PrivrecError);
        assert.equal(err.code, Code.wasi_import);
        assert.match(err.message, new RegExp(c.want.replace(/[.()]/g, '\\$&')));
        return true;
      });
    });
  }
});

test('the shim offers nothing beyond the allowlist', () => {
  const fns = new Wasi({ profile: null }).imports().wasi_snapshot_preview1;
  assert.deepEqual(Object.keys(fns).sort(), [...ALLOWED_IMPORTS].sort());
});

test('inert fd functions: no preopens, no stdin, only stdio fds', () => {
  const mem = new WebAssembly.Memory({ initial: 1 });
  const w = new Wasi({ profile: null });
  w.bind(/** @type {any} */ ({ exports: { memory: mem } }));
  const f = w.imports().wasi_snapshot_preview1;
  const cases = [
    { name: 'fd_prestat_get of fd 3', call: () => f.fd_prestat_get(3, 0), want: 8 },
    { name: 'fd_read of stdin', call: () => f.fd_read(0, 0, 0, 0), want: 8 },
    { name: 'fd_close of fd 5', call: () => f.fd_close(5), want: 8 },
    { name: 'fd_close of stdout', call: () => f.fd_close(1), want: 0 },
    { name: 'fd_write to fd 3', call: () => f.fd_write(3, 0, 0, 0), want: 8 },
    { name: 'fd_fdstat_set_flags of stdout', call: () => f.fd_fdstat_set_flags(1, 0), want: 58 },
    { name: 'unknown clock', call: () => f.clock_time_get(7, 0n, 0), want: 28 },
    { name: 'pointer outside memory', call: () => f.random_get(65536 - 4, 16), want: 21 },
  ];
  for (const c of cases) assert.equal(c.call(), c.want, c.name);
});

test('fd_write and clocks work against guest memory', () => {
  const mem = new WebAssembly.Memory({ initial: 1 });
  /** @type {[number, string][]} */
  const out = [];
  const w = new Wasi({ profile: null, onOutput: (fd, text) => out.push([fd, text]), now: () => 1234 });
  w.bind(/** @type {any} */ ({ exports: { memory: mem } }));
  const f = w.imports().wasi_snapshot_preview1;
  const v = new DataView(mem.buffer);
  new Uint8Array(mem.buffer).set(new TextEncoder().encode('hello'), 100);
  v.setUint32(0, 100, true);
  v.setUint32(4, 5, true);
  assert.equal(f.fd_write(2, 0, 1, 16), 0);
  assert.equal(v.getUint32(16, true), 5);
  assert.deepEqual(out, [[2, 'hello']]);
  assert.equal(f.clock_time_get(0, 0n, 32), 0);
  assert.equal(v.getBigUint64(32, true), 1234n * 1000000n);
  assert.equal(f.clock_time_get(1, 0n, 40), 0);
  const a = v.getBigUint64(40, true);
  assert.equal(f.clock_time_get(1, 0n, 40), 0);
  assert.ok(v.getBigUint64(40, true) > a, 'monotonic clock advances');
});

test('proc_exit unwinds with a typed error', () => {
  const f = new Wasi({ profile: null }).imports().wasi_snapshot_preview1;
  assert.throws(() => f.proc_exit(3), (/** @type {any} */ e) => e.code === Code.wasi_exit && e.status === 3);
});

// The guest's i32s reach JS signed, but every one of them is a u32 (an fd,
// a pointer, a length): 0xffffffff must not pass as "-1". And a bad range is
// EFAULT before a single byte is written, as in the host (host/internal/wasi).
test('pointers and lengths are unsigned and checked before any write', async (t) => {
  const EBADF = 8;
  const EFAULT = 21;
  const EINVAL = 28;
  const setup = () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    // Two clock subscriptions at 0 and 48 with non-zero userdata, so an
    // event written by mistake shows.
    new DataView(mem.buffer).setBigUint64(0, 0x0102030405060708n, true);
    new DataView(mem.buffer).setBigUint64(48, 0x0102030405060708n, true);
    const w = new Wasi({ profile: null });
    w.bind(/** @type {any} */ ({ exports: { memory: mem } }));
    return { mem, f: w.imports().wasi_snapshot_preview1 };
  };
  const cases = [
    { name: 'fd_close of fd 0xffffffff', call: (/** @type {any} */ f) => f.fd_close(-1), want: EBADF },
    { name: 'fd_fdstat_get of fd 0xffffffff', call: (/** @type {any} */ f) => f.fd_fdstat_get(-1, 0), want: EBADF },
    { name: 'fd_fdstat_set_flags of fd 0xffffffff', call: (/** @type {any} */ f) => f.fd_fdstat_set_flags(-1, 0), want: EBADF },
    { name: 'random_get of 0xffffffff bytes', call: (/** @type {any} */ f) => f.random_get(0, -1), want: EINVAL },
    { name: 'random_get above the per-call cap', call: (/** @type {any} */ f) => f.random_get(0, (1 << 20) + 1), want: EINVAL },
    { name: 'random_get running off the end of memory', call: (/** @type {any} */ f) => f.random_get(0, 65537), want: EFAULT },
    { name: 'random_get at a pointer of 2^31', call: (/** @type {any} */ f) => f.random_get(-2147483648, 16), want: EFAULT },
    { name: 'poll_oneoff of 0xffffffff subscriptions', call: (/** @type {any} */ f) => f.poll_oneoff(0, 4096, -1, 8192), want: EINVAL },
    { name: 'poll_oneoff whose second event is out of memory', call: (/** @type {any} */ f) => f.poll_oneoff(0, 65536 - 48, 2, 8192), want: EFAULT },
    { name: 'poll_oneoff whose count is out of memory', call: (/** @type {any} */ f) => f.poll_oneoff(0, 4096, 1, 65536 - 2), want: EFAULT },
    { name: 'fd_write of 0xffffffff iovecs', call: (/** @type {any} */ f) => f.fd_write(1, 0, -1, 8192), want: EINVAL },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { mem, f } = setup();
      const before = new Uint8Array(mem.buffer).slice();
      assert.equal(c.call(f), c.want);
      assert.deepEqual(new Uint8Array(mem.buffer), before, 'guest memory is untouched');
    });
  }
});
