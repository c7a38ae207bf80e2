// The exact top-k pass of the embedding kind, in WebAssembly: scan16 and
// scan16Pop of pq_generic.go, written out because Go's wasm code generation
// dispatches every loop iteration through the function's br_table and
// spills the codes' slice header and the code bytes to the stack; V8 runs
// these loops 1.4–1.6× faster than the same Go (internal/bench/RATIONALE.md).
// They sum each item's terms one by one in subspace order, exactly as the
// Go loops do, so both give the same scores bit for bit.

#include "textflag.h"

// func scan16(t *[16][PQCentroids]float32, codes []byte, cut, thr float32) (int, float32, int)
//
// R0: t, R1: the current item's codes, R2: items, R3: item index, R5: tails;
// F0: score, F1: cut, F2: thr.
TEXT ·scan16(SB), NOSPLIT, $0-64
	I64Load t+0(FP)
	Set R0
	I64Load codes_base+8(FP)
	Set R1
	I64Load codes_len+16(FP)
	I64Const $4
	I64ShrU
	Set R2
	F32Load cut+32(FP)
	Set F1
	F32Load thr+36(FP)
	Set F2
	I64Const $0
	Set R3
	I64Const $0
	Set R5
	Block
	Loop
		Get R3
		Get R2
		I64GeS
		BrIf $1
		Block
			// F0 += t[0][codes[0]]
			Get R1
			I32WrapI64
			I32Load8U $0
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $0
			Set F0
			// F0 += t[1][codes[1]]
			Get R1
			I32WrapI64
			I32Load8U $1
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $1024
			Get F0
			F32Add
			Set F0
			// F0 += t[2][codes[2]]
			Get R1
			I32WrapI64
			I32Load8U $2
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $2048
			Get F0
			F32Add
			Set F0
			// F0 += t[3][codes[3]]
			Get R1
			I32WrapI64
			I32Load8U $3
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $3072
			Get F0
			F32Add
			Set F0
			// F0 += t[4][codes[4]]
			Get R1
			I32WrapI64
			I32Load8U $4
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $4096
			Get F0
			F32Add
			Set F0
			// F0 += t[5][codes[5]]
			Get R1
			I32WrapI64
			I32Load8U $5
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $5120
			Get F0
			F32Add
			Set F0
			// F0 += t[6][codes[6]]
			Get R1
			I32WrapI64
			I32Load8U $6
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $6144
			Get F0
			F32Add
			Set F0
			// F0 += t[7][codes[7]]
			Get R1
			I32WrapI64
			I32Load8U $7
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $7168
			Get F0
			F32Add
			Set F0
			// F0 += t[8][codes[8]]
			Get R1
			I32WrapI64
			I32Load8U $8
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $8192
			Get F0
			F32Add
			Set F0
			// F0 += t[9][codes[9]]
			Get R1
			I32WrapI64
			I32Load8U $9
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $9216
			Get F0
			F32Add
			Set F0
			// the head sum below cut: next item
			Get F0
			Get F1
			F32Lt
			BrIf $0
			Get R5
			I64Const $1
			I64Add
			Set R5
			// F0 += t[10][codes[10]]
			Get R1
			I32WrapI64
			I32Load8U $10
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $10240
			Get F0
			F32Add
			Set F0
			// F0 += t[11][codes[11]]
			Get R1
			I32WrapI64
			I32Load8U $11
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $11264
			Get F0
			F32Add
			Set F0
			// F0 += t[12][codes[12]]
			Get R1
			I32WrapI64
			I32Load8U $12
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $12288
			Get F0
			F32Add
			Set F0
			// F0 += t[13][codes[13]]
			Get R1
			I32WrapI64
			I32Load8U $13
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $13312
			Get F0
			F32Add
			Set F0
			// F0 += t[14][codes[14]]
			Get R1
			I32WrapI64
			I32Load8U $14
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $14336
			Get F0
			F32Add
			Set F0
			// F0 += t[15][codes[15]]
			Get R1
			I32WrapI64
			I32Load8U $15
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $15360
			Get F0
			F32Add
			Set F0
			// below thr: next item
			Get F0
			Get F2
			F32Ge
			I32Eqz
			BrIf $0
			Get SP
			Get R3
			I64Store ret+40(FP)
			Get SP
			Get F0
			F32Store ret1+48(FP)
			Get SP
			Get R5
			I64Store ret2+56(FP)
			RET
		End
		Get R1
		I64Const $16
		I64Add
		Set R1
		Get R3
		I64Const $1
		I64Add
		Set R3
		Br $0
	End
	End
	Get SP
	Get R2
	I64Store ret+40(FP)
	Get SP
	I32Const $0
	F32ReinterpretI32
	F32Store ret1+48(FP)
	Get SP
	Get R5
	I64Store ret2+56(FP)
	RET

// func scan16Pop(t *[16][PQCentroids]float32, codes []byte, pop []float32, beta, cut, thr float32) (int, float32, int)
//
// As scan16, each score plus beta·pop[i]; R4: the current item's pop, F3: beta.
TEXT ·scan16Pop(SB), NOSPLIT, $0-96
	I64Load t+0(FP)
	Set R0
	I64Load codes_base+8(FP)
	Set R1
	I64Load codes_len+16(FP)
	I64Const $4
	I64ShrU
	Set R2
	I64Load pop_base+32(FP)
	Set R4
	F32Load beta+56(FP)
	Set F3
	F32Load cut+60(FP)
	Set F1
	F32Load thr+64(FP)
	Set F2
	I64Const $0
	Set R3
	I64Const $0
	Set R5
	Block
	Loop
		Get R3
		Get R2
		I64GeS
		BrIf $1
		Block
			// F0 += t[0][codes[0]]
			Get R1
			I32WrapI64
			I32Load8U $0
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $0
			Set F0
			// F0 += t[1][codes[1]]
			Get R1
			I32WrapI64
			I32Load8U $1
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $1024
			Get F0
			F32Add
			Set F0
			// F0 += t[2][codes[2]]
			Get R1
			I32WrapI64
			I32Load8U $2
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $2048
			Get F0
			F32Add
			Set F0
			// F0 += t[3][codes[3]]
			Get R1
			I32WrapI64
			I32Load8U $3
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $3072
			Get F0
			F32Add
			Set F0
			// F0 += t[4][codes[4]]
			Get R1
			I32WrapI64
			I32Load8U $4
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $4096
			Get F0
			F32Add
			Set F0
			// F0 += t[5][codes[5]]
			Get R1
			I32WrapI64
			I32Load8U $5
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $5120
			Get F0
			F32Add
			Set F0
			// F0 += t[6][codes[6]]
			Get R1
			I32WrapI64
			I32Load8U $6
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $6144
			Get F0
			F32Add
			Set F0
			// F0 += t[7][codes[7]]
			Get R1
			I32WrapI64
			I32Load8U $7
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $7168
			Get F0
			F32Add
			Set F0
			// F0 += t[8][codes[8]]
			Get R1
			I32WrapI64
			I32Load8U $8
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $8192
			Get F0
			F32Add
			Set F0
			// F0 += t[9][codes[9]]
			Get R1
			I32WrapI64
			I32Load8U $9
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $9216
			Get F0
			F32Add
			Set F0
			// the head sum below cut: next item
			Get F0
			Get F1
			F32Lt
			BrIf $0
			Get R5
			I64Const $1
			I64Add
			Set R5
			// F0 += t[10][codes[10]]
			Get R1
			I32WrapI64
			I32Load8U $10
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $10240
			Get F0
			F32Add
			Set F0
			// F0 += t[11][codes[11]]
			Get R1
			I32WrapI64
			I32Load8U $11
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $11264
			Get F0
			F32Add
			Set F0
			// F0 += t[12][codes[12]]
			Get R1
			I32WrapI64
			I32Load8U $12
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $12288
			Get F0
			F32Add
			Set F0
			// F0 += t[13][codes[13]]
			Get R1
			I32WrapI64
			I32Load8U $13
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $13312
			Get F0
			F32Add
			Set F0
			// F0 += t[14][codes[14]]
			Get R1
			I32WrapI64
			I32Load8U $14
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $14336
			Get F0
			F32Add
			Set F0
			// F0 += t[15][codes[15]]
			Get R1
			I32WrapI64
			I32Load8U $15
			I32Const $2
			I32Shl
			Get R0
			I32WrapI64
			I32Add
			F32Load $15360
			Get F0
			F32Add
			Set F0
			// F0 += beta·pop[i]
			Get R4
			I32WrapI64
			F32Load $0
			Get F3
			F32Mul
			Get F0
			F32Add
			Set F0
			// below thr: next item
			Get F0
			Get F2
			F32Ge
			I32Eqz
			BrIf $0
			Get SP
			Get R3
			I64Store ret+72(FP)
			Get SP
			Get F0
			F32Store ret1+80(FP)
			Get SP
			Get R5
			I64Store ret2+88(FP)
			RET
		End
		Get R1
		I64Const $16
		I64Add
		Set R1
		Get R4
		I64Const $4
		I64Add
		Set R4
		Get R3
		I64Const $1
		I64Add
		Set R3
		Br $0
	End
	End
	Get SP
	Get R2
	I64Store ret+72(FP)
	Get SP
	I32Const $0
	F32ReinterpretI32
	F32Store ret1+80(FP)
	Get SP
	Get R5
	I64Store ret2+88(FP)
	RET
