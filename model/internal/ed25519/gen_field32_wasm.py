# Writes field32_wasm.s (feMul, feSquare and p2Double in WebAssembly):
#
#	python3 gen_field32_wasm.py > field32_wasm.s
#
# field32_asm_test.go checks the output against the Go twins, natively
# (the twins themselves) and in V8 (the package test binary).

out = []
def e(s): out.append("\t" + s)

def horner(groups, operand):
    # groups: {1: [...], 2: [...], 4: [...]} of term lists; emits S1 + 2*(S2 + 2*S4)
    first = True
    for m in (4, 2, 1):
        ts = groups.get(m, [])
        for t in ts:
            operand(t)
            if not first:
                e("I64Add")
            first = False
        if m != 1 and not first:  # double what is summed so far
            e("I64Const $1")
            e("I64Shl")
    assert not first

def carry(c="R10"):
    order = [(0,26),(4,26),(1,25),(5,25),(2,26),(6,26),(3,25),(7,25),(4,26),(8,26),(9,25),(0,26)]
    for i,(k,b) in enumerate(order):
        nxt = (k+1) % 10
        e("// carry h%d into h%d" % (k, nxt))
        e("Get R%d" % k); e("I64Const $%d" % (1 << (b-1))); e("I64Add")
        e("I64Const $%d" % b); e("I64ShrS"); e("Tee %s" % c)
        if k == 9:
            e("I64Const $19"); e("I64Mul")
        e("Get R%d" % nxt); e("I64Add"); e("Set R%d" % nxt)
        e("Get R%d" % k); e("Get %s" % c); e("I64Const $%d" % b); e("I64Shl"); e("I64Sub"); e("Set R%d" % k)

def store():
    e("I64Load h+0(FP)")
    e("Set R11")
    for k in range(10):
        e("Get R11"); e("I32WrapI64"); e("Get R%d" % k); e("I64Store32 $%d" % (4*k))
    e("RET")

def emit_h(k, pairs, operand):
    # pairs: list of (i, j, mult) with i+j ≡ k mod 10; low if i+j < 10
    lo, hi = {}, {}
    for (i, j, m) in pairs:
        (lo if i + j < 10 else hi).setdefault(m, []).append((i, j))
    e("// h%d" % k)
    if hi:
        horner(hi, operand)
        e("I64Const $19"); e("I64Mul")
    if lo:
        horner(lo, operand)
        if hi:
            e("I64Add")

hdr = '''// feMul, feSquare (feMulGo, feSquareGo of field32.go) and p2.double
// (p2DoubleGo of verify32.go) in WebAssembly, written by gen_field32_wasm.py
// (RATIONALE.md). Go's wasm code computes feMul's hundred
// limb products before summing them and spills them to its stack; here each
// output limb is one expression on the operand stack, f's limbs in locals
// and g's loaded as they are needed, which TurboFan keeps in registers.
//
// Same limbs bit for bit: every sum is of the int64 products the Go code
// adds, regrouped (h_k = L + 19·H, the odd-times-odd products added once
// and doubled, and in feSquare the cross products once and doubled). int64
// arithmetic wraps the same in any order (and the group formulas keep
// every sum below 2^61 anyway); the carry chain is the Go one step for
// step. field32_asm_test.go checks both against the Go twins.

#include "textflag.h"
'''
print(hdr)
print('''// func feMul(h, x, y *fe)
//
// R0–R9: x's limbs, then h0..h9; R10: y, then the carry; R11: h.
TEXT ·feMul(SB), NOSPLIT, $0-24''')
e("I64Load x+8(FP)"); e("Set R10")
for i in range(10):
    e("Get R10"); e("I32WrapI64"); e("I64Load32S $%d" % (4*i)); e("Set R%d" % i)
e("I64Load y+16(FP)"); e("Set R10")
def mul_operand(t):
    i, j = t
    e("Get R%d" % i); e("Get R10"); e("I32WrapI64"); e("I64Load32S $%d" % (4*j)); e("I64Mul")
# compute h9 first ... h0 last onto the operand stack, then pop into R0..R9
for k in reversed(range(10)):
    pairs = []
    for i in range(10):
        j = (k - i) % 10
        m = 2 if (i % 2 == 1 and j % 2 == 1) else 1
        pairs.append((i, j, m))
    emit_h(k, pairs, mul_operand)
for k in range(10):
    e("Set R%d" % k)
carry()
store()
print("\n".join(out)); out.clear()

print('''
// func feSquare(h, f *fe)
//
// R0–R9: f's limbs, then h0..h9; R10: f, then the carry; R11: h.
TEXT ·feSquare(SB), NOSPLIT, $0-16''')
e("I64Load f+8(FP)"); e("Set R10")
for i in range(10):
    e("Get R10"); e("I32WrapI64"); e("I64Load32S $%d" % (4*i)); e("Set R%d" % i)
def sq_operand(t):
    i, j = t
    e("Get R%d" % i); e("Get R%d" % j); e("I64Mul")
for k in reversed(range(10)):
    pairs = []
    for i in range(10):
        for j in range(i, 10):
            if (i + j) % 10 != k: continue
            m = (1 if i == j else 2) * (2 if (i % 2 == 1 and j % 2 == 1) else 1)
            pairs.append((i, j, m))
    emit_h(k, pairs, sq_operand)
for k in range(10):
    e("Set R%d" % k)
carry()
store()
print("\n".join(out))
out.clear()

def square_into(load):
    for i in range(10):
        load(i); e("Set R%d" % i)
    for k in reversed(range(10)):
        pairs = []
        for i in range(10):
            for j in range(i, 10):
                if (i + j) % 10 != k: continue
                m = (1 if i == j else 2) * (2 if (i % 2 == 1 and j % 2 == 1) else 1)
                pairs.append((i, j, m))
        emit_h(k, pairs, sq_operand)
    for k in range(10):
        e("Set R%d" % k)
    carry()

def store_to(off, double=False):
    for k in range(10):
        e("Get R11"); e("I32WrapI64"); e("Get R%d" % k)
        if double:
            e("Get R%d" % k); e("I64Add")
        e("I64Store32 $%d" % (off + 4*k))

def load_p(off):
    def f(i):
        e("Get R12"); e("I32WrapI64"); e("I64Load32S $%d" % (off + 4*i))
    return f

print('''
// func p2Double(r *p1p1, p *p2)
//
// p2DoubleGo (verify32.go) with its four squarings inlined, and its sums
// limb by limb in int64 whose low 32 bits are the int32 sums of feAdd and
// feSub. R0–R9: a square's limbs; R10: the carry, then r.Z[i]; R11: r;
// R12: p, then r.X[i]. r and p do not overlap.
TEXT ·p2Double(SB), NOSPLIT, $0-16''')
e("I64Load r+0(FP)"); e("Set R11")
e("I64Load p+8(FP)"); e("Set R12")
e("// r.X = p.X²"); square_into(load_p(0)); store_to(0)
e("// r.Z = p.Y²"); square_into(load_p(40)); store_to(80)
e("// r.T = 2·p.Z²"); square_into(load_p(80)); store_to(120, double=True)
e("// t0 = (p.X+p.Y)², in R0–R9")
def load_sum(i):
    e("Get R12"); e("I32WrapI64"); e("I32Load $%d" % (4*i))
    e("Get R12"); e("I32WrapI64"); e("I32Load $%d" % (40 + 4*i))
    e("I32Add"); e("I64ExtendI32S")
square_into(load_sum)
e("// r.Y = r.Z+r.X, r.Z = r.Z-r.X, r.X = t0-r.Y, r.T = r.T-r.Z, limb by limb")
for i in range(10):
    e("Get R11"); e("I32WrapI64"); e("I64Load32S $%d" % (80 + 4*i)); e("Set R10")
    e("Get R11"); e("I32WrapI64"); e("I64Load32S $%d" % (4*i)); e("Set R12")
    # r.X = t0 - (z+x)
    e("Get R11"); e("I32WrapI64"); e("Get R%d" % i); e("Get R10"); e("Get R12"); e("I64Add"); e("I64Sub"); e("I64Store32 $%d" % (4*i))
    # r.Y = z+x
    e("Get R11"); e("I32WrapI64"); e("Get R10"); e("Get R12"); e("I64Add"); e("I64Store32 $%d" % (40 + 4*i))
    # r.T = r.T - (z-x)
    e("Get R11"); e("I32WrapI64"); e("Get R11"); e("I32WrapI64"); e("I64Load32S $%d" % (120 + 4*i)); e("Get R10"); e("Get R12"); e("I64Sub"); e("I64Sub"); e("I64Store32 $%d" % (120 + 4*i))
    # r.Z = z-x
    e("Get R11"); e("I32WrapI64"); e("Get R10"); e("Get R12"); e("I64Sub"); e("I64Store32 $%d" % (80 + 4*i))
e("RET")
print("\n".join(out))
