# Writes field32_wasm.s (feMul, feSquareN, p2Double, dblStep and addStep
# in WebAssembly):
#
#	python3 gen_field32_wasm.py > field32_wasm.s
#
# field32_asm_test.go and steps_test.go check the output against the Go
# twins, natively (the twins themselves) and in V8 (the package test
# binary).

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

hdr = '''// feMul, feSquareN (feMulGo, feSquareGo of field32.go), p2.double and the
// steps of doubleScalarMult's loop (p2DoubleGo, dblStepGo, addStepGo of
// verify32.go) in WebAssembly, written by gen_field32_wasm.py
// (RATIONALE.md). Go's wasm code computes feMul's hundred
// limb products before summing them and spills them to its stack; here each
// output limb is one expression on the operand stack over the operands'
// limbs in locals, which TurboFan keeps in registers.
//
// Same limbs bit for bit: every sum is of the int64 products the Go code
// adds, regrouped (h_k = L + 19·H, the odd-times-odd products added once
// and doubled, and in feSquare the cross products once and doubled). int64
// arithmetic wraps the same in any order (and the group formulas keep
// every sum below 2^61 anyway); the carry chain is the Go one step for
// step. field32_asm_test.go and steps_test.go check them against the Go
// twins.

#include "textflag.h"
'''
print(hdr)
print('''// func feMul(h, x, y *fe)
//
// R0–R9: x's limbs, then h0..h9; R11–R15: y0..y4; F16–F20: y5..y9, their
// int64 bits as f64 (I64ReinterpretF64 is a register move: all twenty
// limbs in locals, none loaded twice; see RATIONALE.md); R10: y, then the
// carry; R11: h, at the end.
TEXT ·feMul(SB), NOSPLIT, $0-24''')
e("I64Load x+8(FP)"); e("Set R10")
for i in range(10):
    e("Get R10"); e("I32WrapI64"); e("I64Load32S $%d" % (4*i)); e("Set R%d" % i)
e("I64Load y+16(FP)"); e("Set R10")
for j in range(5):
    e("Get R10"); e("I32WrapI64"); e("I64Load32S $%d" % (4*j)); e("Set R%d" % (11+j))
for j in range(5, 10):
    e("Get R10"); e("I32WrapI64"); e("I64Load32S $%d" % (4*j)); e("F64ReinterpretI64"); e("Set F%d" % (16+j-5))
def mul_operand(t):
    i, j = t
    if j < 5:
        e("Get R%d" % i); e("Get R%d" % (11+j)); e("I64Mul")
    else:
        e("Get R%d" % i); e("Get F%d" % (16+j-5)); e("I64ReinterpretF64"); e("I64Mul")
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
// func feSquareN(h, f *fe, n int)
//
// h = f^(2^n), n >= 1: the squaring n times in a wasm loop (feSquareGo's
// limbs each time, no call between), f's limbs loaded the first time and
// h's after. R0–R9: the limbs, then h0..h9; R10: the carry; R11: h;
// R12: the operand; R13: the squarings left.
TEXT ·feSquareN(SB), NOSPLIT, $0-24''')
e("I64Load h+0(FP)"); e("Set R11")
e("I64Load f+8(FP)"); e("Set R12")
e("I64Load n+16(FP)"); e("Set R13")
e("Loop")
for i in range(10):
    e("Get R12"); e("I32WrapI64"); e("I64Load32S $%d" % (4*i)); e("Set R%d" % i)
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
for k in range(10):
    e("Get R11"); e("I32WrapI64"); e("Get R%d" % k); e("I64Store32 $%d" % (4*k))
e("Get R11"); e("Set R12")
e("Get R13"); e("I64Const $1"); e("I64Sub"); e("Tee R13"); e("I64Const $0"); e("I64GtS"); e("BrIf $0")
e("End")
e("RET")
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

out.clear()

# The steps of doubleScalarMult's loop: the feMul calls made from here by
# CALLNORESUME (no resume point: feMul and p2Double never yield), the
# additions between them in wasm loops, so that no Go code runs between
# the multiplications of a step.

def ptr(reg, off):
    def f():
        e("Get %s" % reg)
        if off:
            e("I64Const $%d" % off); e("I64Add")
    return f

def arg(name, off):
    def f():
        e("I64Load %s+%d(FP)" % (name, off))
    return f

def call_mul(h, x, y):
    for k, p in enumerate((h, x, y)):
        e("Get SP"); p(); e("I64Store $%d" % (8*k))
    e("CALLNORESUME ·feMul(SB)")

def addr(reg, idx="R5"):
    e("Get %s" % reg); e("Get %s" % idx); e("I64Add"); e("I32WrapI64")

def limb_loop(body):
    e("I64Const $0"); e("Set R5")
    e("Loop")
    body()
    e("Get R5"); e("I64Const $4"); e("I64Add"); e("Tee R5"); e("I64Const $40"); e("I64LtU"); e("BrIf $0")
    e("End")

print('''
// func dblStep(t *p1p1, r *p2)
//
// dblStepGo (verify32.go): t to projective in r (p1p1.toP2), then
// p2Double(t, r). t and r do not overlap.
TEXT ·dblStep(SB), NOSPLIT, $24-16''')
e("I64Load t+0(FP)"); e("Set R12")
e("I64Load r+8(FP)"); e("Set R13")
call_mul(ptr("R13", 0), ptr("R12", 0), ptr("R12", 120))
call_mul(ptr("R13", 40), ptr("R12", 40), ptr("R12", 80))
call_mul(ptr("R13", 80), ptr("R12", 80), ptr("R12", 120))
e("Get SP"); e("Get R12"); e("I64Store $0")
e("Get SP"); e("Get R13"); e("I64Store $8")
e("CALLNORESUME ·p2Double(SB)")
e("RET")
print("\n".join(out)); out.clear()

print('''
// func addStep(t *p1p1, u *p3, q *cached, neg bool)
//
// addStepGo (verify32.go): t to extended in u (p1p1.toP3), then t = u + q
// (add), or u - q (sub) when neg: q's Y+X and Y-X swapped, and the sums
// stored into t.Z and t.T swapped. R12: t; R13: u; R14: q; R6, R7: the
// operands of t.Z and t.Y's products; R15, R4: where 2·X·Z + T and
// 2·X·Z - T go; R5: the limb's byte offset; R0–R3: limbs.
TEXT ·addStep(SB), NOSPLIT, $24-25''')
e("I64Load t+0(FP)"); e("Set R12")
e("I64Load u+8(FP)"); e("Set R13")
e("I64Load q+16(FP)"); e("Set R14")
def sel(a, b, dst):
    # dst = neg ? b : a
    a(); b(); e("I32Load8U neg+24(FP)"); e("I32Eqz"); e("Select"); e("Set %s" % dst)
sel(ptr("R14", 0), ptr("R14", 40), "R6")
sel(ptr("R14", 40), ptr("R14", 0), "R7")
sel(ptr("R12", 80), ptr("R12", 120), "R15")
sel(ptr("R12", 120), ptr("R12", 80), "R4")
call_mul(ptr("R13", 0), ptr("R12", 0), ptr("R12", 120))
call_mul(ptr("R13", 40), ptr("R12", 40), ptr("R12", 80))
call_mul(ptr("R13", 80), ptr("R12", 80), ptr("R12", 120))
call_mul(ptr("R13", 120), ptr("R12", 0), ptr("R12", 40))
e("// t.X = u.Y+u.X, t.Y = u.Y-u.X")
def pass1():
    for off, op in ((0, "I32Add"), (40, "I32Sub")):
        addr("R12")
        addr("R13"); e("I32Load $40")
        addr("R13"); e("I32Load $0")
        e(op); e("I32Store $%d" % off)
limb_loop(pass1)
call_mul(ptr("R12", 80), ptr("R12", 0), ptr("R6", 0))
call_mul(ptr("R12", 40), ptr("R12", 40), ptr("R7", 0))
call_mul(ptr("R12", 120), ptr("R14", 120), ptr("R13", 120))
call_mul(ptr("R12", 0), ptr("R13", 80), ptr("R14", 80))
e("// t.X = Z-Y, t.Y = Z+Y, *R15 = 2X+T, *R4 = 2X-T")
def pass2():
    addr("R12"); e("I64Load32S $80"); e("Set R0")
    addr("R12"); e("I64Load32S $40"); e("Set R1")
    addr("R12"); e("I64Load32S $120"); e("Set R2")
    addr("R12"); e("I64Load32S $0"); e("I64Const $1"); e("I64Shl"); e("Set R3")
    addr("R12"); e("Get R0"); e("Get R1"); e("I64Sub"); e("I64Store32 $0")
    addr("R12"); e("Get R0"); e("Get R1"); e("I64Add"); e("I64Store32 $40")
    addr("R15"); e("Get R3"); e("Get R2"); e("I64Add"); e("I64Store32 $0")
    addr("R4"); e("Get R3"); e("Get R2"); e("I64Sub"); e("I64Store32 $0")
limb_loop(pass2)
e("RET")
print("\n".join(out))
