// feMul, feSquareN (feMulGo, feSquareGo of field32.go), p2.double and the
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

// func feMul(h, x, y *fe)
//
// R0–R9: x's limbs, then h0..h9; R11–R15: y0..y4; F16–F20: y5..y9, their
// int64 bits as f64 (I64ReinterpretF64 is a register move: all twenty
// limbs in locals, none loaded twice; see RATIONALE.md); R10: y, then the
// carry; R11: h, at the end.
TEXT ·feMul(SB), NOSPLIT, $0-24
	I64Load x+8(FP)
	Set R10
	Get R10
	I32WrapI64
	I64Load32S $0
	Set R0
	Get R10
	I32WrapI64
	I64Load32S $4
	Set R1
	Get R10
	I32WrapI64
	I64Load32S $8
	Set R2
	Get R10
	I32WrapI64
	I64Load32S $12
	Set R3
	Get R10
	I32WrapI64
	I64Load32S $16
	Set R4
	Get R10
	I32WrapI64
	I64Load32S $20
	Set R5
	Get R10
	I32WrapI64
	I64Load32S $24
	Set R6
	Get R10
	I32WrapI64
	I64Load32S $28
	Set R7
	Get R10
	I32WrapI64
	I64Load32S $32
	Set R8
	Get R10
	I32WrapI64
	I64Load32S $36
	Set R9
	I64Load y+16(FP)
	Set R10
	Get R10
	I32WrapI64
	I64Load32S $0
	Set R11
	Get R10
	I32WrapI64
	I64Load32S $4
	Set R12
	Get R10
	I32WrapI64
	I64Load32S $8
	Set R13
	Get R10
	I32WrapI64
	I64Load32S $12
	Set R14
	Get R10
	I32WrapI64
	I64Load32S $16
	Set R15
	Get R10
	I32WrapI64
	I64Load32S $20
	F64ReinterpretI64
	Set F16
	Get R10
	I32WrapI64
	I64Load32S $24
	F64ReinterpretI64
	Set F17
	Get R10
	I32WrapI64
	I64Load32S $28
	F64ReinterpretI64
	Set F18
	Get R10
	I32WrapI64
	I64Load32S $32
	F64ReinterpretI64
	Set F19
	Get R10
	I32WrapI64
	I64Load32S $36
	F64ReinterpretI64
	Set F20
	// h9
	Get R0
	Get F20
	I64ReinterpretF64
	I64Mul
	Get R1
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R2
	Get F18
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R3
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R4
	Get F16
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R5
	Get R15
	I64Mul
	I64Add
	Get R6
	Get R14
	I64Mul
	I64Add
	Get R7
	Get R13
	I64Mul
	I64Add
	Get R8
	Get R12
	I64Mul
	I64Add
	Get R9
	Get R11
	I64Mul
	I64Add
	// h8
	Get R9
	Get F20
	I64ReinterpretF64
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get F18
	I64ReinterpretF64
	I64Mul
	Get R3
	Get F16
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R5
	Get R14
	I64Mul
	I64Add
	Get R7
	Get R12
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R0
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R2
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R4
	Get R15
	I64Mul
	I64Add
	Get R6
	Get R13
	I64Mul
	I64Add
	Get R8
	Get R11
	I64Mul
	I64Add
	I64Add
	// h7
	Get R8
	Get F20
	I64ReinterpretF64
	I64Mul
	Get R9
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get F18
	I64ReinterpretF64
	I64Mul
	Get R1
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R2
	Get F16
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R3
	Get R15
	I64Mul
	I64Add
	Get R4
	Get R14
	I64Mul
	I64Add
	Get R5
	Get R13
	I64Mul
	I64Add
	Get R6
	Get R12
	I64Mul
	I64Add
	Get R7
	Get R11
	I64Mul
	I64Add
	I64Add
	// h6
	Get R7
	Get F20
	I64ReinterpretF64
	I64Mul
	Get R9
	Get F18
	I64ReinterpretF64
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R8
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R1
	Get F16
	I64ReinterpretF64
	I64Mul
	Get R3
	Get R14
	I64Mul
	I64Add
	Get R5
	Get R12
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R0
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R2
	Get R15
	I64Mul
	I64Add
	Get R4
	Get R13
	I64Mul
	I64Add
	Get R6
	Get R11
	I64Mul
	I64Add
	I64Add
	// h5
	Get R6
	Get F20
	I64ReinterpretF64
	I64Mul
	Get R7
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R8
	Get F18
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R9
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get F16
	I64ReinterpretF64
	I64Mul
	Get R1
	Get R15
	I64Mul
	I64Add
	Get R2
	Get R14
	I64Mul
	I64Add
	Get R3
	Get R13
	I64Mul
	I64Add
	Get R4
	Get R12
	I64Mul
	I64Add
	Get R5
	Get R11
	I64Mul
	I64Add
	I64Add
	// h4
	Get R5
	Get F20
	I64ReinterpretF64
	I64Mul
	Get R7
	Get F18
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R9
	Get F16
	I64ReinterpretF64
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R6
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R8
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R1
	Get R14
	I64Mul
	Get R3
	Get R12
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R0
	Get R15
	I64Mul
	I64Add
	Get R2
	Get R13
	I64Mul
	I64Add
	Get R4
	Get R11
	I64Mul
	I64Add
	I64Add
	// h3
	Get R4
	Get F20
	I64ReinterpretF64
	I64Mul
	Get R5
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R6
	Get F18
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R7
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R8
	Get F16
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R9
	Get R15
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get R14
	I64Mul
	Get R1
	Get R13
	I64Mul
	I64Add
	Get R2
	Get R12
	I64Mul
	I64Add
	Get R3
	Get R11
	I64Mul
	I64Add
	I64Add
	// h2
	Get R3
	Get F20
	I64ReinterpretF64
	I64Mul
	Get R5
	Get F18
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R7
	Get F16
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R9
	Get R14
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R6
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R8
	Get R15
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R1
	Get R12
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R13
	I64Mul
	I64Add
	Get R2
	Get R11
	I64Mul
	I64Add
	I64Add
	// h1
	Get R2
	Get F20
	I64ReinterpretF64
	I64Mul
	Get R3
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R4
	Get F18
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R5
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R6
	Get F16
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R7
	Get R15
	I64Mul
	I64Add
	Get R8
	Get R14
	I64Mul
	I64Add
	Get R9
	Get R13
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get R12
	I64Mul
	Get R1
	Get R11
	I64Mul
	I64Add
	I64Add
	// h0
	Get R1
	Get F20
	I64ReinterpretF64
	I64Mul
	Get R3
	Get F18
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R5
	Get F16
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R7
	Get R14
	I64Mul
	I64Add
	Get R9
	Get R12
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get F19
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R4
	Get F17
	I64ReinterpretF64
	I64Mul
	I64Add
	Get R6
	Get R15
	I64Mul
	I64Add
	Get R8
	Get R13
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get R11
	I64Mul
	I64Add
	Set R0
	Set R1
	Set R2
	Set R3
	Set R4
	Set R5
	Set R6
	Set R7
	Set R8
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h1 into h2
	Get R1
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R2
	I64Add
	Set R2
	Get R1
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R1
	// carry h5 into h6
	Get R5
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R6
	I64Add
	Set R6
	Get R5
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R5
	// carry h2 into h3
	Get R2
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R3
	I64Add
	Set R3
	Get R2
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R2
	// carry h6 into h7
	Get R6
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R7
	I64Add
	Set R7
	Get R6
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R6
	// carry h3 into h4
	Get R3
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R4
	I64Add
	Set R4
	Get R3
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R3
	// carry h7 into h8
	Get R7
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R8
	I64Add
	Set R8
	Get R7
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R7
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h8 into h9
	Get R8
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R9
	I64Add
	Set R9
	Get R8
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R8
	// carry h9 into h0
	Get R9
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	I64Const $19
	I64Mul
	Get R0
	I64Add
	Set R0
	Get R9
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	I64Load h+0(FP)
	Set R11
	Get R11
	I32WrapI64
	Get R0
	I64Store32 $0
	Get R11
	I32WrapI64
	Get R1
	I64Store32 $4
	Get R11
	I32WrapI64
	Get R2
	I64Store32 $8
	Get R11
	I32WrapI64
	Get R3
	I64Store32 $12
	Get R11
	I32WrapI64
	Get R4
	I64Store32 $16
	Get R11
	I32WrapI64
	Get R5
	I64Store32 $20
	Get R11
	I32WrapI64
	Get R6
	I64Store32 $24
	Get R11
	I32WrapI64
	Get R7
	I64Store32 $28
	Get R11
	I32WrapI64
	Get R8
	I64Store32 $32
	Get R11
	I32WrapI64
	Get R9
	I64Store32 $36
	RET

// func feSquareN(h, f *fe, n int)
//
// h = f^(2^n), n >= 1: the squaring n times in a wasm loop (feSquareGo's
// limbs each time, no call between), f's limbs loaded the first time and
// h's after. R0–R9: the limbs, then h0..h9; R10: the carry; R11: h;
// R12: the operand; R13: the squarings left.
TEXT ·feSquareN(SB), NOSPLIT, $0-24
	I64Load h+0(FP)
	Set R11
	I64Load f+8(FP)
	Set R12
	I64Load n+16(FP)
	Set R13
	Loop
	Get R12
	I32WrapI64
	I64Load32S $0
	Set R0
	Get R12
	I32WrapI64
	I64Load32S $4
	Set R1
	Get R12
	I32WrapI64
	I64Load32S $8
	Set R2
	Get R12
	I32WrapI64
	I64Load32S $12
	Set R3
	Get R12
	I32WrapI64
	I64Load32S $16
	Set R4
	Get R12
	I32WrapI64
	I64Load32S $20
	Set R5
	Get R12
	I32WrapI64
	I64Load32S $24
	Set R6
	Get R12
	I32WrapI64
	I64Load32S $28
	Set R7
	Get R12
	I32WrapI64
	I64Load32S $32
	Set R8
	Get R12
	I32WrapI64
	I64Load32S $36
	Set R9
	// h9
	Get R0
	Get R9
	I64Mul
	Get R1
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R7
	I64Mul
	I64Add
	Get R3
	Get R6
	I64Mul
	I64Add
	Get R4
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	// h8
	Get R9
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R7
	I64Mul
	Get R3
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R0
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R4
	I64Mul
	I64Add
	I64Add
	// h7
	Get R8
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R7
	I64Mul
	Get R1
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R5
	I64Mul
	I64Add
	Get R3
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h6
	Get R7
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $1
	I64Shl
	Get R8
	Get R8
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R1
	Get R5
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R4
	I64Mul
	I64Add
	Get R3
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h5
	Get R6
	Get R9
	I64Mul
	Get R7
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R5
	I64Mul
	Get R1
	Get R4
	I64Mul
	I64Add
	Get R2
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h4
	Get R5
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	Get R6
	Get R8
	I64Mul
	I64Add
	Get R7
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R3
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R2
	I64Mul
	I64Add
	I64Add
	// h3
	Get R4
	Get R9
	I64Mul
	Get R5
	Get R8
	I64Mul
	I64Add
	Get R6
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R3
	I64Mul
	Get R1
	Get R2
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h2
	Get R3
	Get R9
	I64Mul
	Get R5
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R6
	Get R6
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get R2
	I64Mul
	Get R1
	Get R1
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h1
	Get R2
	Get R9
	I64Mul
	Get R3
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R7
	I64Mul
	I64Add
	Get R5
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R1
	I64Mul
	I64Const $1
	I64Shl
	I64Add
	// h0
	Get R1
	Get R9
	I64Mul
	Get R3
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R6
	I64Mul
	I64Add
	Get R5
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R0
	I64Mul
	I64Add
	Set R0
	Set R1
	Set R2
	Set R3
	Set R4
	Set R5
	Set R6
	Set R7
	Set R8
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h1 into h2
	Get R1
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R2
	I64Add
	Set R2
	Get R1
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R1
	// carry h5 into h6
	Get R5
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R6
	I64Add
	Set R6
	Get R5
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R5
	// carry h2 into h3
	Get R2
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R3
	I64Add
	Set R3
	Get R2
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R2
	// carry h6 into h7
	Get R6
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R7
	I64Add
	Set R7
	Get R6
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R6
	// carry h3 into h4
	Get R3
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R4
	I64Add
	Set R4
	Get R3
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R3
	// carry h7 into h8
	Get R7
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R8
	I64Add
	Set R8
	Get R7
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R7
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h8 into h9
	Get R8
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R9
	I64Add
	Set R9
	Get R8
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R8
	// carry h9 into h0
	Get R9
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	I64Const $19
	I64Mul
	Get R0
	I64Add
	Set R0
	Get R9
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	Get R11
	I32WrapI64
	Get R0
	I64Store32 $0
	Get R11
	I32WrapI64
	Get R1
	I64Store32 $4
	Get R11
	I32WrapI64
	Get R2
	I64Store32 $8
	Get R11
	I32WrapI64
	Get R3
	I64Store32 $12
	Get R11
	I32WrapI64
	Get R4
	I64Store32 $16
	Get R11
	I32WrapI64
	Get R5
	I64Store32 $20
	Get R11
	I32WrapI64
	Get R6
	I64Store32 $24
	Get R11
	I32WrapI64
	Get R7
	I64Store32 $28
	Get R11
	I32WrapI64
	Get R8
	I64Store32 $32
	Get R11
	I32WrapI64
	Get R9
	I64Store32 $36
	Get R11
	Set R12
	Get R13
	I64Const $1
	I64Sub
	Tee R13
	I64Const $0
	I64GtS
	BrIf $0
	End
	RET

// func p2Double(r *p1p1, p *p2)
//
// p2DoubleGo (verify32.go) with its four squarings inlined, and its sums
// limb by limb in int64 whose low 32 bits are the int32 sums of feAdd and
// feSub. R0–R9: a square's limbs; R10: the carry, then r.Z[i]; R11: r;
// R12: p, then r.X[i]. r and p do not overlap.
TEXT ·p2Double(SB), NOSPLIT, $0-16
	I64Load r+0(FP)
	Set R11
	I64Load p+8(FP)
	Set R12
	// r.X = p.X²
	Get R12
	I32WrapI64
	I64Load32S $0
	Set R0
	Get R12
	I32WrapI64
	I64Load32S $4
	Set R1
	Get R12
	I32WrapI64
	I64Load32S $8
	Set R2
	Get R12
	I32WrapI64
	I64Load32S $12
	Set R3
	Get R12
	I32WrapI64
	I64Load32S $16
	Set R4
	Get R12
	I32WrapI64
	I64Load32S $20
	Set R5
	Get R12
	I32WrapI64
	I64Load32S $24
	Set R6
	Get R12
	I32WrapI64
	I64Load32S $28
	Set R7
	Get R12
	I32WrapI64
	I64Load32S $32
	Set R8
	Get R12
	I32WrapI64
	I64Load32S $36
	Set R9
	// h9
	Get R0
	Get R9
	I64Mul
	Get R1
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R7
	I64Mul
	I64Add
	Get R3
	Get R6
	I64Mul
	I64Add
	Get R4
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	// h8
	Get R9
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R7
	I64Mul
	Get R3
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R0
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R4
	I64Mul
	I64Add
	I64Add
	// h7
	Get R8
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R7
	I64Mul
	Get R1
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R5
	I64Mul
	I64Add
	Get R3
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h6
	Get R7
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $1
	I64Shl
	Get R8
	Get R8
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R1
	Get R5
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R4
	I64Mul
	I64Add
	Get R3
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h5
	Get R6
	Get R9
	I64Mul
	Get R7
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R5
	I64Mul
	Get R1
	Get R4
	I64Mul
	I64Add
	Get R2
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h4
	Get R5
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	Get R6
	Get R8
	I64Mul
	I64Add
	Get R7
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R3
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R2
	I64Mul
	I64Add
	I64Add
	// h3
	Get R4
	Get R9
	I64Mul
	Get R5
	Get R8
	I64Mul
	I64Add
	Get R6
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R3
	I64Mul
	Get R1
	Get R2
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h2
	Get R3
	Get R9
	I64Mul
	Get R5
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R6
	Get R6
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get R2
	I64Mul
	Get R1
	Get R1
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h1
	Get R2
	Get R9
	I64Mul
	Get R3
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R7
	I64Mul
	I64Add
	Get R5
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R1
	I64Mul
	I64Const $1
	I64Shl
	I64Add
	// h0
	Get R1
	Get R9
	I64Mul
	Get R3
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R6
	I64Mul
	I64Add
	Get R5
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R0
	I64Mul
	I64Add
	Set R0
	Set R1
	Set R2
	Set R3
	Set R4
	Set R5
	Set R6
	Set R7
	Set R8
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h1 into h2
	Get R1
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R2
	I64Add
	Set R2
	Get R1
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R1
	// carry h5 into h6
	Get R5
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R6
	I64Add
	Set R6
	Get R5
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R5
	// carry h2 into h3
	Get R2
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R3
	I64Add
	Set R3
	Get R2
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R2
	// carry h6 into h7
	Get R6
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R7
	I64Add
	Set R7
	Get R6
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R6
	// carry h3 into h4
	Get R3
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R4
	I64Add
	Set R4
	Get R3
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R3
	// carry h7 into h8
	Get R7
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R8
	I64Add
	Set R8
	Get R7
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R7
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h8 into h9
	Get R8
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R9
	I64Add
	Set R9
	Get R8
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R8
	// carry h9 into h0
	Get R9
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	I64Const $19
	I64Mul
	Get R0
	I64Add
	Set R0
	Get R9
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	Get R11
	I32WrapI64
	Get R0
	I64Store32 $0
	Get R11
	I32WrapI64
	Get R1
	I64Store32 $4
	Get R11
	I32WrapI64
	Get R2
	I64Store32 $8
	Get R11
	I32WrapI64
	Get R3
	I64Store32 $12
	Get R11
	I32WrapI64
	Get R4
	I64Store32 $16
	Get R11
	I32WrapI64
	Get R5
	I64Store32 $20
	Get R11
	I32WrapI64
	Get R6
	I64Store32 $24
	Get R11
	I32WrapI64
	Get R7
	I64Store32 $28
	Get R11
	I32WrapI64
	Get R8
	I64Store32 $32
	Get R11
	I32WrapI64
	Get R9
	I64Store32 $36
	// r.Z = p.Y²
	Get R12
	I32WrapI64
	I64Load32S $40
	Set R0
	Get R12
	I32WrapI64
	I64Load32S $44
	Set R1
	Get R12
	I32WrapI64
	I64Load32S $48
	Set R2
	Get R12
	I32WrapI64
	I64Load32S $52
	Set R3
	Get R12
	I32WrapI64
	I64Load32S $56
	Set R4
	Get R12
	I32WrapI64
	I64Load32S $60
	Set R5
	Get R12
	I32WrapI64
	I64Load32S $64
	Set R6
	Get R12
	I32WrapI64
	I64Load32S $68
	Set R7
	Get R12
	I32WrapI64
	I64Load32S $72
	Set R8
	Get R12
	I32WrapI64
	I64Load32S $76
	Set R9
	// h9
	Get R0
	Get R9
	I64Mul
	Get R1
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R7
	I64Mul
	I64Add
	Get R3
	Get R6
	I64Mul
	I64Add
	Get R4
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	// h8
	Get R9
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R7
	I64Mul
	Get R3
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R0
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R4
	I64Mul
	I64Add
	I64Add
	// h7
	Get R8
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R7
	I64Mul
	Get R1
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R5
	I64Mul
	I64Add
	Get R3
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h6
	Get R7
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $1
	I64Shl
	Get R8
	Get R8
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R1
	Get R5
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R4
	I64Mul
	I64Add
	Get R3
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h5
	Get R6
	Get R9
	I64Mul
	Get R7
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R5
	I64Mul
	Get R1
	Get R4
	I64Mul
	I64Add
	Get R2
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h4
	Get R5
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	Get R6
	Get R8
	I64Mul
	I64Add
	Get R7
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R3
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R2
	I64Mul
	I64Add
	I64Add
	// h3
	Get R4
	Get R9
	I64Mul
	Get R5
	Get R8
	I64Mul
	I64Add
	Get R6
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R3
	I64Mul
	Get R1
	Get R2
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h2
	Get R3
	Get R9
	I64Mul
	Get R5
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R6
	Get R6
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get R2
	I64Mul
	Get R1
	Get R1
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h1
	Get R2
	Get R9
	I64Mul
	Get R3
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R7
	I64Mul
	I64Add
	Get R5
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R1
	I64Mul
	I64Const $1
	I64Shl
	I64Add
	// h0
	Get R1
	Get R9
	I64Mul
	Get R3
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R6
	I64Mul
	I64Add
	Get R5
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R0
	I64Mul
	I64Add
	Set R0
	Set R1
	Set R2
	Set R3
	Set R4
	Set R5
	Set R6
	Set R7
	Set R8
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h1 into h2
	Get R1
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R2
	I64Add
	Set R2
	Get R1
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R1
	// carry h5 into h6
	Get R5
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R6
	I64Add
	Set R6
	Get R5
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R5
	// carry h2 into h3
	Get R2
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R3
	I64Add
	Set R3
	Get R2
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R2
	// carry h6 into h7
	Get R6
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R7
	I64Add
	Set R7
	Get R6
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R6
	// carry h3 into h4
	Get R3
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R4
	I64Add
	Set R4
	Get R3
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R3
	// carry h7 into h8
	Get R7
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R8
	I64Add
	Set R8
	Get R7
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R7
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h8 into h9
	Get R8
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R9
	I64Add
	Set R9
	Get R8
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R8
	// carry h9 into h0
	Get R9
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	I64Const $19
	I64Mul
	Get R0
	I64Add
	Set R0
	Get R9
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	Get R11
	I32WrapI64
	Get R0
	I64Store32 $80
	Get R11
	I32WrapI64
	Get R1
	I64Store32 $84
	Get R11
	I32WrapI64
	Get R2
	I64Store32 $88
	Get R11
	I32WrapI64
	Get R3
	I64Store32 $92
	Get R11
	I32WrapI64
	Get R4
	I64Store32 $96
	Get R11
	I32WrapI64
	Get R5
	I64Store32 $100
	Get R11
	I32WrapI64
	Get R6
	I64Store32 $104
	Get R11
	I32WrapI64
	Get R7
	I64Store32 $108
	Get R11
	I32WrapI64
	Get R8
	I64Store32 $112
	Get R11
	I32WrapI64
	Get R9
	I64Store32 $116
	// r.T = 2·p.Z²
	Get R12
	I32WrapI64
	I64Load32S $80
	Set R0
	Get R12
	I32WrapI64
	I64Load32S $84
	Set R1
	Get R12
	I32WrapI64
	I64Load32S $88
	Set R2
	Get R12
	I32WrapI64
	I64Load32S $92
	Set R3
	Get R12
	I32WrapI64
	I64Load32S $96
	Set R4
	Get R12
	I32WrapI64
	I64Load32S $100
	Set R5
	Get R12
	I32WrapI64
	I64Load32S $104
	Set R6
	Get R12
	I32WrapI64
	I64Load32S $108
	Set R7
	Get R12
	I32WrapI64
	I64Load32S $112
	Set R8
	Get R12
	I32WrapI64
	I64Load32S $116
	Set R9
	// h9
	Get R0
	Get R9
	I64Mul
	Get R1
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R7
	I64Mul
	I64Add
	Get R3
	Get R6
	I64Mul
	I64Add
	Get R4
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	// h8
	Get R9
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R7
	I64Mul
	Get R3
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R0
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R4
	I64Mul
	I64Add
	I64Add
	// h7
	Get R8
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R7
	I64Mul
	Get R1
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R5
	I64Mul
	I64Add
	Get R3
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h6
	Get R7
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $1
	I64Shl
	Get R8
	Get R8
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R1
	Get R5
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R4
	I64Mul
	I64Add
	Get R3
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h5
	Get R6
	Get R9
	I64Mul
	Get R7
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R5
	I64Mul
	Get R1
	Get R4
	I64Mul
	I64Add
	Get R2
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h4
	Get R5
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	Get R6
	Get R8
	I64Mul
	I64Add
	Get R7
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R3
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R2
	I64Mul
	I64Add
	I64Add
	// h3
	Get R4
	Get R9
	I64Mul
	Get R5
	Get R8
	I64Mul
	I64Add
	Get R6
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R3
	I64Mul
	Get R1
	Get R2
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h2
	Get R3
	Get R9
	I64Mul
	Get R5
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R6
	Get R6
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get R2
	I64Mul
	Get R1
	Get R1
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h1
	Get R2
	Get R9
	I64Mul
	Get R3
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R7
	I64Mul
	I64Add
	Get R5
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R1
	I64Mul
	I64Const $1
	I64Shl
	I64Add
	// h0
	Get R1
	Get R9
	I64Mul
	Get R3
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R6
	I64Mul
	I64Add
	Get R5
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R0
	I64Mul
	I64Add
	Set R0
	Set R1
	Set R2
	Set R3
	Set R4
	Set R5
	Set R6
	Set R7
	Set R8
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h1 into h2
	Get R1
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R2
	I64Add
	Set R2
	Get R1
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R1
	// carry h5 into h6
	Get R5
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R6
	I64Add
	Set R6
	Get R5
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R5
	// carry h2 into h3
	Get R2
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R3
	I64Add
	Set R3
	Get R2
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R2
	// carry h6 into h7
	Get R6
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R7
	I64Add
	Set R7
	Get R6
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R6
	// carry h3 into h4
	Get R3
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R4
	I64Add
	Set R4
	Get R3
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R3
	// carry h7 into h8
	Get R7
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R8
	I64Add
	Set R8
	Get R7
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R7
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h8 into h9
	Get R8
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R9
	I64Add
	Set R9
	Get R8
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R8
	// carry h9 into h0
	Get R9
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	I64Const $19
	I64Mul
	Get R0
	I64Add
	Set R0
	Get R9
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	Get R11
	I32WrapI64
	Get R0
	Get R0
	I64Add
	I64Store32 $120
	Get R11
	I32WrapI64
	Get R1
	Get R1
	I64Add
	I64Store32 $124
	Get R11
	I32WrapI64
	Get R2
	Get R2
	I64Add
	I64Store32 $128
	Get R11
	I32WrapI64
	Get R3
	Get R3
	I64Add
	I64Store32 $132
	Get R11
	I32WrapI64
	Get R4
	Get R4
	I64Add
	I64Store32 $136
	Get R11
	I32WrapI64
	Get R5
	Get R5
	I64Add
	I64Store32 $140
	Get R11
	I32WrapI64
	Get R6
	Get R6
	I64Add
	I64Store32 $144
	Get R11
	I32WrapI64
	Get R7
	Get R7
	I64Add
	I64Store32 $148
	Get R11
	I32WrapI64
	Get R8
	Get R8
	I64Add
	I64Store32 $152
	Get R11
	I32WrapI64
	Get R9
	Get R9
	I64Add
	I64Store32 $156
	// t0 = (p.X+p.Y)², in R0–R9
	Get R12
	I32WrapI64
	I32Load $0
	Get R12
	I32WrapI64
	I32Load $40
	I32Add
	I64ExtendI32S
	Set R0
	Get R12
	I32WrapI64
	I32Load $4
	Get R12
	I32WrapI64
	I32Load $44
	I32Add
	I64ExtendI32S
	Set R1
	Get R12
	I32WrapI64
	I32Load $8
	Get R12
	I32WrapI64
	I32Load $48
	I32Add
	I64ExtendI32S
	Set R2
	Get R12
	I32WrapI64
	I32Load $12
	Get R12
	I32WrapI64
	I32Load $52
	I32Add
	I64ExtendI32S
	Set R3
	Get R12
	I32WrapI64
	I32Load $16
	Get R12
	I32WrapI64
	I32Load $56
	I32Add
	I64ExtendI32S
	Set R4
	Get R12
	I32WrapI64
	I32Load $20
	Get R12
	I32WrapI64
	I32Load $60
	I32Add
	I64ExtendI32S
	Set R5
	Get R12
	I32WrapI64
	I32Load $24
	Get R12
	I32WrapI64
	I32Load $64
	I32Add
	I64ExtendI32S
	Set R6
	Get R12
	I32WrapI64
	I32Load $28
	Get R12
	I32WrapI64
	I32Load $68
	I32Add
	I64ExtendI32S
	Set R7
	Get R12
	I32WrapI64
	I32Load $32
	Get R12
	I32WrapI64
	I32Load $72
	I32Add
	I64ExtendI32S
	Set R8
	Get R12
	I32WrapI64
	I32Load $36
	Get R12
	I32WrapI64
	I32Load $76
	I32Add
	I64ExtendI32S
	Set R9
	// h9
	Get R0
	Get R9
	I64Mul
	Get R1
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R7
	I64Mul
	I64Add
	Get R3
	Get R6
	I64Mul
	I64Add
	Get R4
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	// h8
	Get R9
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R7
	I64Mul
	Get R3
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R0
	Get R8
	I64Mul
	I64Add
	Get R2
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R4
	I64Mul
	I64Add
	I64Add
	// h7
	Get R8
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R7
	I64Mul
	Get R1
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R5
	I64Mul
	I64Add
	Get R3
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h6
	Get R7
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	I64Const $1
	I64Shl
	Get R8
	Get R8
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R1
	Get R5
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R6
	I64Mul
	I64Add
	Get R2
	Get R4
	I64Mul
	I64Add
	Get R3
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h5
	Get R6
	Get R9
	I64Mul
	Get R7
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R5
	I64Mul
	Get R1
	Get R4
	I64Mul
	I64Add
	Get R2
	Get R3
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h4
	Get R5
	Get R9
	I64Mul
	I64Const $1
	I64Shl
	Get R6
	Get R8
	I64Mul
	I64Add
	Get R7
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R1
	Get R3
	I64Mul
	I64Const $1
	I64Shl
	Get R0
	Get R4
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R2
	I64Mul
	I64Add
	I64Add
	// h3
	Get R4
	Get R9
	I64Mul
	Get R5
	Get R8
	I64Mul
	I64Add
	Get R6
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R3
	I64Mul
	Get R1
	Get R2
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h2
	Get R3
	Get R9
	I64Mul
	Get R5
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R4
	Get R8
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R6
	Get R6
	I64Mul
	I64Add
	I64Const $19
	I64Mul
	Get R0
	Get R2
	I64Mul
	Get R1
	Get R1
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Add
	// h1
	Get R2
	Get R9
	I64Mul
	Get R3
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R7
	I64Mul
	I64Add
	Get R5
	Get R6
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R1
	I64Mul
	I64Const $1
	I64Shl
	I64Add
	// h0
	Get R1
	Get R9
	I64Mul
	Get R3
	Get R7
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	Get R2
	Get R8
	I64Mul
	I64Add
	Get R4
	Get R6
	I64Mul
	I64Add
	Get R5
	Get R5
	I64Mul
	I64Add
	I64Const $1
	I64Shl
	I64Const $19
	I64Mul
	Get R0
	Get R0
	I64Mul
	I64Add
	Set R0
	Set R1
	Set R2
	Set R3
	Set R4
	Set R5
	Set R6
	Set R7
	Set R8
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h1 into h2
	Get R1
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R2
	I64Add
	Set R2
	Get R1
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R1
	// carry h5 into h6
	Get R5
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R6
	I64Add
	Set R6
	Get R5
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R5
	// carry h2 into h3
	Get R2
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R3
	I64Add
	Set R3
	Get R2
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R2
	// carry h6 into h7
	Get R6
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R7
	I64Add
	Set R7
	Get R6
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R6
	// carry h3 into h4
	Get R3
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R4
	I64Add
	Set R4
	Get R3
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R3
	// carry h7 into h8
	Get R7
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	Get R8
	I64Add
	Set R8
	Get R7
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R7
	// carry h4 into h5
	Get R4
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R5
	I64Add
	Set R5
	Get R4
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R4
	// carry h8 into h9
	Get R8
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R9
	I64Add
	Set R9
	Get R8
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R8
	// carry h9 into h0
	Get R9
	I64Const $16777216
	I64Add
	I64Const $25
	I64ShrS
	Tee R10
	I64Const $19
	I64Mul
	Get R0
	I64Add
	Set R0
	Get R9
	Get R10
	I64Const $25
	I64Shl
	I64Sub
	Set R9
	// carry h0 into h1
	Get R0
	I64Const $33554432
	I64Add
	I64Const $26
	I64ShrS
	Tee R10
	Get R1
	I64Add
	Set R1
	Get R0
	Get R10
	I64Const $26
	I64Shl
	I64Sub
	Set R0
	// r.Y = r.Z+r.X, r.Z = r.Z-r.X, r.X = t0-r.Y, r.T = r.T-r.Z, limb by limb
	Get R11
	I32WrapI64
	I64Load32S $80
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $0
	Set R12
	Get R11
	I32WrapI64
	Get R0
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $0
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $40
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $120
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $120
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $80
	Get R11
	I32WrapI64
	I64Load32S $84
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $4
	Set R12
	Get R11
	I32WrapI64
	Get R1
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $4
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $44
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $124
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $124
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $84
	Get R11
	I32WrapI64
	I64Load32S $88
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $8
	Set R12
	Get R11
	I32WrapI64
	Get R2
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $8
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $48
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $128
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $128
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $88
	Get R11
	I32WrapI64
	I64Load32S $92
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $12
	Set R12
	Get R11
	I32WrapI64
	Get R3
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $12
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $52
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $132
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $132
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $92
	Get R11
	I32WrapI64
	I64Load32S $96
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $16
	Set R12
	Get R11
	I32WrapI64
	Get R4
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $16
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $56
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $136
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $136
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $96
	Get R11
	I32WrapI64
	I64Load32S $100
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $20
	Set R12
	Get R11
	I32WrapI64
	Get R5
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $20
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $60
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $140
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $140
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $100
	Get R11
	I32WrapI64
	I64Load32S $104
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $24
	Set R12
	Get R11
	I32WrapI64
	Get R6
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $24
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $64
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $144
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $144
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $104
	Get R11
	I32WrapI64
	I64Load32S $108
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $28
	Set R12
	Get R11
	I32WrapI64
	Get R7
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $28
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $68
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $148
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $148
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $108
	Get R11
	I32WrapI64
	I64Load32S $112
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $32
	Set R12
	Get R11
	I32WrapI64
	Get R8
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $32
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $72
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $152
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $152
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $112
	Get R11
	I32WrapI64
	I64Load32S $116
	Set R10
	Get R11
	I32WrapI64
	I64Load32S $36
	Set R12
	Get R11
	I32WrapI64
	Get R9
	Get R10
	Get R12
	I64Add
	I64Sub
	I64Store32 $36
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Add
	I64Store32 $76
	Get R11
	I32WrapI64
	Get R11
	I32WrapI64
	I64Load32S $156
	Get R10
	Get R12
	I64Sub
	I64Sub
	I64Store32 $156
	Get R11
	I32WrapI64
	Get R10
	Get R12
	I64Sub
	I64Store32 $116
	RET

// func dblStep(t *p1p1, r *p2)
//
// dblStepGo (verify32.go): t to projective in r (p1p1.toP2), then
// p2Double(t, r). t and r do not overlap.
TEXT ·dblStep(SB), NOSPLIT, $24-16
	I64Load t+0(FP)
	Set R12
	I64Load r+8(FP)
	Set R13
	Get SP
	Get R13
	I64Store $0
	Get SP
	Get R12
	I64Store $8
	Get SP
	Get R12
	I64Const $120
	I64Add
	I64Store $16
	CALLNORESUME ·feMul(SB)
	Get SP
	Get R13
	I64Const $40
	I64Add
	I64Store $0
	Get SP
	Get R12
	I64Const $40
	I64Add
	I64Store $8
	Get SP
	Get R12
	I64Const $80
	I64Add
	I64Store $16
	CALLNORESUME ·feMul(SB)
	Get SP
	Get R13
	I64Const $80
	I64Add
	I64Store $0
	Get SP
	Get R12
	I64Const $80
	I64Add
	I64Store $8
	Get SP
	Get R12
	I64Const $120
	I64Add
	I64Store $16
	CALLNORESUME ·feMul(SB)
	Get SP
	Get R12
	I64Store $0
	Get SP
	Get R13
	I64Store $8
	CALLNORESUME ·p2Double(SB)
	RET

// func addStep(t *p1p1, u *p3, q *cached, neg bool)
//
// addStepGo (verify32.go): t to extended in u (p1p1.toP3), then t = u + q
// (add), or u - q (sub) when neg: q's Y+X and Y-X swapped, and the sums
// stored into t.Z and t.T swapped. R12: t; R13: u; R14: q; R6, R7: the
// operands of t.Z and t.Y's products; R15, R4: where 2·X·Z + T and
// 2·X·Z - T go; R5: the limb's byte offset; R0–R3: limbs.
TEXT ·addStep(SB), NOSPLIT, $24-25
	I64Load t+0(FP)
	Set R12
	I64Load u+8(FP)
	Set R13
	I64Load q+16(FP)
	Set R14
	Get R14
	Get R14
	I64Const $40
	I64Add
	I32Load8U neg+24(FP)
	I32Eqz
	Select
	Set R6
	Get R14
	I64Const $40
	I64Add
	Get R14
	I32Load8U neg+24(FP)
	I32Eqz
	Select
	Set R7
	Get R12
	I64Const $80
	I64Add
	Get R12
	I64Const $120
	I64Add
	I32Load8U neg+24(FP)
	I32Eqz
	Select
	Set R15
	Get R12
	I64Const $120
	I64Add
	Get R12
	I64Const $80
	I64Add
	I32Load8U neg+24(FP)
	I32Eqz
	Select
	Set R4
	Get SP
	Get R13
	I64Store $0
	Get SP
	Get R12
	I64Store $8
	Get SP
	Get R12
	I64Const $120
	I64Add
	I64Store $16
	CALLNORESUME ·feMul(SB)
	Get SP
	Get R13
	I64Const $40
	I64Add
	I64Store $0
	Get SP
	Get R12
	I64Const $40
	I64Add
	I64Store $8
	Get SP
	Get R12
	I64Const $80
	I64Add
	I64Store $16
	CALLNORESUME ·feMul(SB)
	Get SP
	Get R13
	I64Const $80
	I64Add
	I64Store $0
	Get SP
	Get R12
	I64Const $80
	I64Add
	I64Store $8
	Get SP
	Get R12
	I64Const $120
	I64Add
	I64Store $16
	CALLNORESUME ·feMul(SB)
	Get SP
	Get R13
	I64Const $120
	I64Add
	I64Store $0
	Get SP
	Get R12
	I64Store $8
	Get SP
	Get R12
	I64Const $40
	I64Add
	I64Store $16
	CALLNORESUME ·feMul(SB)
	// t.X = u.Y+u.X, t.Y = u.Y-u.X
	I64Const $0
	Set R5
	Loop
	Get R12
	Get R5
	I64Add
	I32WrapI64
	Get R13
	Get R5
	I64Add
	I32WrapI64
	I32Load $40
	Get R13
	Get R5
	I64Add
	I32WrapI64
	I32Load $0
	I32Add
	I32Store $0
	Get R12
	Get R5
	I64Add
	I32WrapI64
	Get R13
	Get R5
	I64Add
	I32WrapI64
	I32Load $40
	Get R13
	Get R5
	I64Add
	I32WrapI64
	I32Load $0
	I32Sub
	I32Store $40
	Get R5
	I64Const $4
	I64Add
	Tee R5
	I64Const $40
	I64LtU
	BrIf $0
	End
	Get SP
	Get R12
	I64Const $80
	I64Add
	I64Store $0
	Get SP
	Get R12
	I64Store $8
	Get SP
	Get R6
	I64Store $16
	CALLNORESUME ·feMul(SB)
	Get SP
	Get R12
	I64Const $40
	I64Add
	I64Store $0
	Get SP
	Get R12
	I64Const $40
	I64Add
	I64Store $8
	Get SP
	Get R7
	I64Store $16
	CALLNORESUME ·feMul(SB)
	Get SP
	Get R12
	I64Const $120
	I64Add
	I64Store $0
	Get SP
	Get R14
	I64Const $120
	I64Add
	I64Store $8
	Get SP
	Get R13
	I64Const $120
	I64Add
	I64Store $16
	CALLNORESUME ·feMul(SB)
	Get SP
	Get R12
	I64Store $0
	Get SP
	Get R13
	I64Const $80
	I64Add
	I64Store $8
	Get SP
	Get R14
	I64Const $80
	I64Add
	I64Store $16
	CALLNORESUME ·feMul(SB)
	// t.X = Z-Y, t.Y = Z+Y, *R15 = 2X+T, *R4 = 2X-T
	I64Const $0
	Set R5
	Loop
	Get R12
	Get R5
	I64Add
	I32WrapI64
	I64Load32S $80
	Set R0
	Get R12
	Get R5
	I64Add
	I32WrapI64
	I64Load32S $40
	Set R1
	Get R12
	Get R5
	I64Add
	I32WrapI64
	I64Load32S $120
	Set R2
	Get R12
	Get R5
	I64Add
	I32WrapI64
	I64Load32S $0
	I64Const $1
	I64Shl
	Set R3
	Get R12
	Get R5
	I64Add
	I32WrapI64
	Get R0
	Get R1
	I64Sub
	I64Store32 $0
	Get R12
	Get R5
	I64Add
	I32WrapI64
	Get R0
	Get R1
	I64Add
	I64Store32 $40
	Get R15
	Get R5
	I64Add
	I32WrapI64
	Get R3
	Get R2
	I64Add
	I64Store32 $0
	Get R4
	Get R5
	I64Add
	I32WrapI64
	Get R3
	Get R2
	I64Sub
	I64Store32 $0
	Get R5
	I64Const $4
	I64Add
	Tee R5
	I64Const $40
	I64LtU
	BrIf $0
	End
	RET
