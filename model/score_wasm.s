// The neighbours kind's two per-request loops in WebAssembly: scatter2
// (add a history item's row into the scores) and blendScan (find the next
// item whose blended score reaches the heap's floor), the loops of
// score_generic.go written out for the reasons of pq_wasm.s (Go's wasm code
// sends every iteration through the function's br_table dispatch and
// spills slice headers to its stack). Same operations in the same order
// as the Go loops, so the same floats bit for bit (model/RATIONALE.md).

#include "textflag.h"

// func scatter2(scores []float32, cols, vals []byte, xw, scale float32)
//
// R0: scores, R1: the neighbour's 2 index bytes, R2: its weight byte,
// R3: the end of vals, R4: len(scores), R5: j, then &scores[j];
// F0: xw, F1: scale. An index at or past len(scores) traps (decodeWeights
// refuses such tables, so it never happens; memory stays safe if it did).
TEXT ·scatter2(SB), NOSPLIT, $0-80
	I64Load scores_base+0(FP)
	Set R0
	I64Load scores_len+8(FP)
	Set R4
	I64Load cols_base+24(FP)
	Set R1
	I64Load vals_base+48(FP)
	Tee R2
	I64Load vals_len+56(FP)
	I64Add
	Set R3
	F32Load xw+72(FP)
	Set F0
	F32Load scale+76(FP)
	Set F1
	Block
	Loop
		Get R2
		Get R3
		I64GeU
		BrIf $1
		Get R1
		I32WrapI64
		I64Load16U $0
		Tee R5
		Get R4
		I64GeU
		If
			Unreachable
		End
		Get R0
		Get R5
		I64Const $2
		I64Shl
		I64Add
		Tee R5
		I32WrapI64
		// scores[j] + xw·(int8(v)·scale)
		Get R5
		I32WrapI64
		F32Load $0
		Get R2
		I32WrapI64
		I32Load8S $0
		F32ConvertI32S
		Get F1
		F32Mul
		Get F0
		F32Mul
		F32Add
		F32Store $0
		Get R1
		I64Const $2
		I64Add
		Set R1
		Get R2
		I64Const $1
		I64Add
		Set R2
		Br $0
	End
	End
	RET

// func blendFill(scores, pop []float32, beta float32, best []cand, k int, excluded, available []bool, catOf []uint32, want uint32) int
//
// R0: scores, R1: pop, R2: len(pop), R3: the next item, R4: best, R5: n,
// R6: k, R7: &best[j], R8: best[k-1].item once full, R9: excluded, R10:
// available, R11: catOf, R13: i, or &scores[i] in the four-at-a-time
// skip, R14: &pop[i] there, and best[j] in the sift, R15: best[j-1];
// F0: beta, F1: best[k-1].score once full (the floor), F2: the score,
// F3, F4: the sift's scores. Slices shorter than len(pop) trap (never:
// see score_generic.go).
TEXT ·blendFill(SB), NOSPLIT, $0-176
	I64Load scores_base+0(FP)
	Set R0
	I64Load pop_base+24(FP)
	Set R1
	I64Load pop_len+32(FP)
	Set R2
	I64Load scores_len+8(FP)
	Get R2
	I64LtU
	If
		Unreachable
	End
	I64Load excluded_len+96(FP)
	Get R2
	I64LtU
	If
		Unreachable
	End
	I64Load available_len+120(FP)
	I64Eqz
	I32Eqz
	If
		I64Load available_len+120(FP)
		Get R2
		I64LtU
		If
			Unreachable
		End
	End
	I64Load catOf_len+144(FP)
	I64Eqz
	I32Eqz
	If
		I64Load catOf_len+144(FP)
		Get R2
		I64LtU
		If
			Unreachable
		End
	End
	F32Load beta+48(FP)
	Set F0
	I64Load best_base+56(FP)
	Set R4
	I64Load k+80(FP)
	Set R6
	I64Load excluded_base+88(FP)
	Set R9
	I64Load available_base+112(FP)
	Set R10
	I64Load catOf_base+136(FP)
	Set R11
	I64Const $0
	Set R3
	I64Const $0
	Set R5
	Block
	Loop
		Get R3
		Get R2
		I64GeU
		BrIf $1
		// full: four at a time all below the floor are skipped together
		Get R5
		Get R6
		I64Eq
		If
			Block
			Loop
				Get R3
				I64Const $4
				I64Add
				Get R2
				I64GtU
				BrIf $1
				Get R0
				Get R3
				I64Const $2
				I64Shl
				I64Add
				Set R13
				Get R1
				Get R3
				I64Const $2
				I64Shl
				I64Add
				Set R14
				Get R13
				I32WrapI64
				F32Load $0
				Get F0
				Get R14
				I32WrapI64
				F32Load $0
				F32Mul
				F32Add
				Get F1
				F32Lt
				Get R13
				I32WrapI64
				F32Load $4
				Get F0
				Get R14
				I32WrapI64
				F32Load $4
				F32Mul
				F32Add
				Get F1
				F32Lt
				I32And
				Get R13
				I32WrapI64
				F32Load $8
				Get F0
				Get R14
				I32WrapI64
				F32Load $8
				F32Mul
				F32Add
				Get F1
				F32Lt
				I32And
				Get R13
				I32WrapI64
				F32Load $12
				Get F0
				Get R14
				I32WrapI64
				F32Load $12
				F32Mul
				F32Add
				Get F1
				F32Lt
				I32And
				I32Eqz
				BrIf $1
				Get R3
				I64Const $4
				I64Add
				Set R3
				Br $0
			End
			End
			Get R3
			Get R2
			I64GeU
			BrIf $2
		End
		// item i: F2 = scores[i] + beta·pop[i]
		Get R3
		Tee R13
		I64Const $1
		I64Add
		Set R3
		Get R0
		Get R13
		I64Const $2
		I64Shl
		I64Add
		I32WrapI64
		F32Load $0
		Get F0
		Get R1
		Get R13
		I64Const $2
		I64Shl
		I64Add
		I32WrapI64
		F32Load $0
		F32Mul
		F32Add
		Set F2
		// full: next unless F2 beats best[k-1] (F1, R8)
		Get R5
		Get R6
		I64Eq
		If
			Get F2
			Get F1
			F32Gt
			Get F2
			Get F1
			F32Eq
			Get R13
			Get R8
			I64LtS
			I32And
			I32Or
			I32Eqz
			BrIf $1
		End
		// the filter: excluded[i], !available[i], catOf[i] != want
		Get R9
		Get R13
		I64Add
		I32WrapI64
		I32Load8U $0
		BrIf $0
		I64Load available_len+120(FP)
		I64Eqz
		I32Eqz
		If
			Get R10
			Get R13
			I64Add
			I32WrapI64
			I32Load8U $0
			I32Eqz
			BrIf $1
		End
		I64Load catOf_len+144(FP)
		I64Eqz
		I32Eqz
		If
			Get R11
			Get R13
			I64Const $2
			I64Shl
			I64Add
			I32WrapI64
			I32Load $0
			I32Load want+160(FP)
			I32Ne
			BrIf $1
		End
		// in: n = min(n+1, k); best[n-1] = (i, F2), then up to its place
		Get R5
		Get R6
		I64LtS
		If
			Get R5
			I64Const $1
			I64Add
			Set R5
		End
		Get R4
		Get R5
		I64Const $3
		I64Shl
		I64Add
		I64Const $8
		I64Sub
		Tee R7
		I32WrapI64
		Get R13
		I64Const $0xffffffff
		I64And
		Get F2
		I32ReinterpretF32
		I64ExtendI32U
		I64Const $32
		I64Shl
		I64Or
		I64Store $0
		Block
		Loop
			Get R7
			Get R4
			I64LeU
			BrIf $1
			Get R7
			I32WrapI64
			I64Load $0
			Tee R14
			I64Const $32
			I64ShrU
			I32WrapI64
			F32ReinterpretI32
			Set F3
			Get R7
			I64Const $8
			I64Sub
			I32WrapI64
			I64Load $0
			Tee R15
			I64Const $32
			I64ShrU
			I32WrapI64
			F32ReinterpretI32
			Set F4
			Get F3
			Get F4
			F32Gt
			Get R14
			I32WrapI64
			Get R15
			I32WrapI64
			I32LtS
			Get F3
			Get F4
			F32Ne
			Select
			I32Eqz
			BrIf $1
			Get R7
			I32WrapI64
			Get R15
			I64Store $0
			Get R7
			I64Const $8
			I64Sub
			Tee R7
			I32WrapI64
			Get R14
			I64Store $0
			Br $0
		End
		End
		// full: the floor is best[k-1]
		Get R5
		Get R6
		I64Eq
		If
			Get R4
			Get R6
			I64Const $3
			I64Shl
			I64Add
			I64Const $8
			I64Sub
			Tee R7
			I32WrapI64
			F32Load $4
			Set F1
			Get R7
			I32WrapI64
			I64Load32S $0
			Set R8
		End
		Br $0
	End
	End
	Get SP
	Get R5
	I64Store ret+168(FP)
	RET

// func addBoosts(boost []float32, mark []bool, out []int32, items []byte, scores []float32) int
//
// R0: boost, R1: mark, R2: &out[w], R3: the item's 4 bytes, R4: &scores[j],
// R5: the end of scores, R6: min(len(boost), len(mark)), R7: i, then
// &boost[i], R8: out, R9: the end of out. An item index at or past R6, or
// a write past out, traps (never: see score_generic.go).
TEXT ·addBoosts(SB), NOSPLIT, $0-128
	I64Load boost_base+0(FP)
	Set R0
	I64Load mark_base+24(FP)
	Set R1
	I64Load out_base+48(FP)
	Tee R2
	Tee R8
	I64Load out_len+56(FP)
	I64Const $2
	I64Shl
	I64Add
	Set R9
	I64Load items_base+72(FP)
	Set R3
	I64Load scores_base+96(FP)
	Tee R4
	I64Load scores_len+104(FP)
	I64Const $2
	I64Shl
	I64Add
	Set R5
	I64Load boost_len+8(FP)
	Tee R6
	I64Load mark_len+32(FP)
	Tee R7
	Get R6
	Get R7
	I64LtU
	Select
	Set R6
	Block
	Loop
		Get R4
		Get R5
		I64GeU
		BrIf $1
		Get R3
		I32WrapI64
		I64Load32U $0
		Tee R7
		Get R6
		I64GeU
		If
			Unreachable
		End
		// the first time: mark[i] = true, out[w] = i
		Get R1
		Get R7
		I64Add
		I32WrapI64
		I32Load8U $0
		I32Eqz
		If
			Get R2
			Get R9
			I64GeU
			If
				Unreachable
			End
			Get R1
			Get R7
			I64Add
			I32WrapI64
			I32Const $1
			I32Store8 $0
			Get R2
			I32WrapI64
			Get R7
			I64Store32 $0
			Get R2
			I64Const $4
			I64Add
			Set R2
		End
		// boost[i] += scores[j]
		Get R0
		Get R7
		I64Const $2
		I64Shl
		I64Add
		Tee R7
		I32WrapI64
		Get R7
		I32WrapI64
		F32Load $0
		Get R4
		I32WrapI64
		F32Load $0
		F32Add
		F32Store $0
		Get R3
		I64Const $4
		I64Add
		Set R3
		Get R4
		I64Const $4
		I64Add
		Set R4
		Br $0
	End
	End
	Get SP
	Get R2
	Get R8
	I64Sub
	I64Const $2
	I64ShrU
	I64Store ret+120(FP)
	RET

// func siftUp(best []cand)
//
// A cand is 8 bytes: item (int32) at 0, score (float32) at 4. better(a, b)
// is a.score > b.score when the scores differ (a NaN differs from all),
// else a.item < b.item. R0: &best[0], R2: &best[j], R4: best[j], R5:
// best[j-1]; F0, F1: their scores.
TEXT ·siftUp(SB), NOSPLIT, $0-24
	I64Load best_base+0(FP)
	Tee R0
	I64Load best_len+8(FP)
	I64Const $3
	I64Shl
	I64Add
	I64Const $8
	I64Sub
	Set R2
	Block
	Loop
		Get R2
		Get R0
		I64LeS
		BrIf $1
		Get R2
		I32WrapI64
		I64Load $0
		Tee R4
		I64Const $32
		I64ShrU
		I32WrapI64
		F32ReinterpretI32
		Set F0
		Get R2
		I64Const $8
		I64Sub
		I32WrapI64
		I64Load $0
		Tee R5
		I64Const $32
		I64ShrU
		I32WrapI64
		F32ReinterpretI32
		Set F1
		// not better: stop
		Get F0
		Get F1
		F32Gt
		Get R4
		I32WrapI64
		Get R5
		I32WrapI64
		I32LtS
		Get F0
		Get F1
		F32Ne
		Select
		I32Eqz
		BrIf $1
		Get R2
		I32WrapI64
		Get R5
		I64Store $0
		Get R2
		I64Const $8
		I64Sub
		Tee R2
		I32WrapI64
		Get R4
		I64Store $0
		Br $0
	End
	End
	RET

// func boostFill(boosted []int32, pop, boost []float32, mark []bool, best []cand, n, need int, excluded, available []bool, catOf []uint32, want uint32, picked []cand) int
//
// R0: &boosted[p] (already past the item in the loop's body), R1: the end
// of boosted, R2: pop, R3: boost, R4: mark, R5: the bound every item must
// be below (the least length of pop, boost, mark and excluded, and of
// available and catOf when not empty), R6: i, R7: &boost[i], then
// &best[j], R8: n, R9: need, R10: best, R11: excluded, R12: available,
// R13: catOf, R14: a picked cursor, then best[j], R15: temporaries, then
// best[j-1]; F0: the score, F1: a score compared with it. An item at or
// past R5 traps (never: see score_generic.go).
#define MINLEN(X) \
	I64Load X; Set R15; \
	Get R15; Get R5; Get R15; Get R5; I64LtU; Select; Set R5

TEXT ·boostFill(SB), NOSPLIT, $0-248
	I64Load boosted_base+0(FP)
	Tee R0
	I64Load boosted_len+8(FP)
	I64Const $2
	I64Shl
	I64Add
	Set R1
	I64Load pop_base+24(FP)
	Set R2
	I64Load boost_base+48(FP)
	Set R3
	I64Load mark_base+72(FP)
	Set R4
	I64Load best_base+96(FP)
	Set R10
	I64Load n+120(FP)
	Set R8
	I64Load need+128(FP)
	Set R9
	I64Load excluded_base+136(FP)
	Set R11
	I64Load available_base+160(FP)
	Set R12
	I64Load catOf_base+184(FP)
	Set R13
	I64Load pop_len+32(FP)
	Set R5
	MINLEN(boost_len+56(FP))
	MINLEN(mark_len+80(FP))
	MINLEN(excluded_len+144(FP))
	I64Load available_len+168(FP)
	I64Eqz
	I32Eqz
	If
		MINLEN(available_len+168(FP))
	End
	I64Load catOf_len+192(FP)
	I64Eqz
	I32Eqz
	If
		MINLEN(catOf_len+192(FP))
	End
	Block
	Loop
		Get R0
		Get R1
		I64GeU
		BrIf $1
		Get R0
		I32WrapI64
		I64Load32S $0
		Tee R6
		Get R5
		I64GeU
		If
			Unreachable
		End
		Get R0
		I64Const $4
		I64Add
		Set R0
		// F0 = pop[i] + boost[i]; boost[i] = 0; mark[i] = false
		Get R2
		Get R6
		I64Const $2
		I64Shl
		I64Add
		I32WrapI64
		F32Load $0
		Get R3
		Get R6
		I64Const $2
		I64Shl
		I64Add
		Tee R7
		I32WrapI64
		F32Load $0
		F32Add
		Set F0
		Get R7
		I32WrapI64
		I32Const $0
		I32Store $0
		Get R4
		Get R6
		I64Add
		I32WrapI64
		I32Const $0
		I32Store8 $0
		// full: next unless F0 beats best[n-1] (F0 > its score, or
		// equal and i < its item)
		Get R8
		Get R9
		I64Eq
		If
			Get R10
			Get R8
			I64Const $3
			I64Shl
			I64Add
			I64Const $8
			I64Sub
			Tee R7
			I32WrapI64
			F32Load $4
			Set F1
			Get F0
			Get F1
			F32Gt
			Get F0
			Get F1
			F32Eq
			Get R6
			Get R7
			I32WrapI64
			I64Load32S $0
			I64LtS
			I32And
			I32Or
			I32Eqz
			BrIf $1
		End
		// the filter: excluded[i], !available[i], catOf[i] != want
		Get R11
		Get R6
		I64Add
		I32WrapI64
		I32Load8U $0
		BrIf $0
		I64Load available_len+168(FP)
		I64Eqz
		I32Eqz
		If
			Get R12
			Get R6
			I64Add
			I32WrapI64
			I32Load8U $0
			I32Eqz
			BrIf $1
		End
		I64Load catOf_len+192(FP)
		I64Eqz
		I32Eqz
		If
			Get R13
			Get R6
			I64Const $2
			I64Shl
			I64Add
			I32WrapI64
			I32Load $0
			I32Load want+208(FP)
			I32Ne
			BrIf $1
		End
		// taken: i among picked's items
		I64Load picked_base+216(FP)
		Tee R14
		I64Load picked_len+224(FP)
		I64Const $3
		I64Shl
		I64Add
		Set R15
		Block
		Loop
			Get R14
			Get R15
			I64GeU
			BrIf $1
			Get R14
			I32WrapI64
			I64Load32S $0
			Get R6
			I64Eq
			BrIf $2
			Get R14
			I64Const $8
			I64Add
			Set R14
			Br $0
		End
		End
		// in: n = min(n+1, need); best[n-1] = (i, F0), then up to its place
		Get R8
		Get R9
		I64LtS
		If
			Get R8
			I64Const $1
			I64Add
			Set R8
		End
		Get R10
		Get R8
		I64Const $3
		I64Shl
		I64Add
		I64Const $8
		I64Sub
		Tee R7
		I32WrapI64
		Get R6
		I64Const $0xffffffff
		I64And
		Get F0
		I32ReinterpretF32
		I64ExtendI32U
		I64Const $32
		I64Shl
		I64Or
		I64Store $0
		// siftUp's loop on best[:n], R7 = &best[j]
		Block
		Loop
			Get R7
			Get R10
			I64LeU
			BrIf $1
			Get R7
			I32WrapI64
			I64Load $0
			Tee R14
			I64Const $32
			I64ShrU
			I32WrapI64
			F32ReinterpretI32
			Set F0
			Get R7
			I64Const $8
			I64Sub
			I32WrapI64
			I64Load $0
			Tee R15
			I64Const $32
			I64ShrU
			I32WrapI64
			F32ReinterpretI32
			Set F1
			// not better: stop
			Get F0
			Get F1
			F32Gt
			Get R14
			I32WrapI64
			Get R15
			I32WrapI64
			I32LtS
			Get F0
			Get F1
			F32Ne
			Select
			I32Eqz
			BrIf $1
			Get R7
			I32WrapI64
			Get R15
			I64Store $0
			Get R7
			I64Const $8
			I64Sub
			Tee R7
			I32WrapI64
			Get R14
			I64Store $0
			Br $0
		End
		End
		Br $0
	End
	End
	Get SP
	Get R8
	I64Store ret+240(FP)
	RET

// func popFill(top []int32, pop []float32, skip []bool, best []cand, need int, excluded, available []bool, catOf []uint32, want uint32, picked []cand) int
//
// R0: &top[p] (already past the item in the loop's body), R1: the end of
// top, R2: pop, R3: skip, R5: the bound every item must be below (the
// least length of pop and excluded, and of skip, available and catOf when
// not empty), R6: i, R7: &best[n], R8: n, R9: need, R11: excluded, R12:
// available, R13: catOf, R14: a picked cursor, R15: temporaries. An item
// at or past R5 traps (never: see score_generic.go).
TEXT ·popFill(SB), NOSPLIT, $0-216
	I64Load top_base+0(FP)
	Tee R0
	I64Load top_len+8(FP)
	I64Const $2
	I64Shl
	I64Add
	Set R1
	I64Load pop_base+24(FP)
	Set R2
	I64Load skip_base+48(FP)
	Set R3
	I64Load best_base+72(FP)
	Set R7
	I64Const $0
	Set R8
	I64Load need+96(FP)
	Set R9
	I64Load excluded_base+104(FP)
	Set R11
	I64Load available_base+128(FP)
	Set R12
	I64Load catOf_base+152(FP)
	Set R13
	I64Load pop_len+32(FP)
	Set R5
	MINLEN(excluded_len+112(FP))
	I64Load skip_len+56(FP)
	I64Eqz
	I32Eqz
	If
		MINLEN(skip_len+56(FP))
	End
	I64Load available_len+136(FP)
	I64Eqz
	I32Eqz
	If
		MINLEN(available_len+136(FP))
	End
	I64Load catOf_len+160(FP)
	I64Eqz
	I32Eqz
	If
		MINLEN(catOf_len+160(FP))
	End
	Block
	Loop
		Get R8
		Get R9
		I64GeS
		BrIf $1
		Get R0
		Get R1
		I64GeU
		BrIf $1
		Get R0
		I32WrapI64
		I64Load32S $0
		Tee R6
		Get R5
		I64GeU
		If
			Unreachable
		End
		Get R0
		I64Const $4
		I64Add
		Set R0
		// skip[i], excluded[i], !available[i], catOf[i] != want: next
		I64Load skip_len+56(FP)
		I64Eqz
		I32Eqz
		If
			Get R3
			Get R6
			I64Add
			I32WrapI64
			I32Load8U $0
			BrIf $1
		End
		Get R11
		Get R6
		I64Add
		I32WrapI64
		I32Load8U $0
		BrIf $0
		I64Load available_len+136(FP)
		I64Eqz
		I32Eqz
		If
			Get R12
			Get R6
			I64Add
			I32WrapI64
			I32Load8U $0
			I32Eqz
			BrIf $1
		End
		I64Load catOf_len+160(FP)
		I64Eqz
		I32Eqz
		If
			Get R13
			Get R6
			I64Const $2
			I64Shl
			I64Add
			I32WrapI64
			I32Load $0
			I32Load want+176(FP)
			I32Ne
			BrIf $1
		End
		// taken: i among picked's items
		I64Load picked_base+184(FP)
		Tee R14
		I64Load picked_len+192(FP)
		I64Const $3
		I64Shl
		I64Add
		Set R15
		Block
		Loop
			Get R14
			Get R15
			I64GeU
			BrIf $1
			Get R14
			I32WrapI64
			I64Load32S $0
			Get R6
			I64Eq
			BrIf $2
			Get R14
			I64Const $8
			I64Add
			Set R14
			Br $0
		End
		End
		// best[n] = (i, pop[i]); n++
		Get R7
		I32WrapI64
		Get R6
		I64Const $0xffffffff
		I64And
		Get R2
		Get R6
		I64Const $2
		I64Shl
		I64Add
		I32WrapI64
		I64Load32U $0
		I64Const $32
		I64Shl
		I64Or
		I64Store $0
		Get R7
		I64Const $8
		I64Add
		Set R7
		Get R8
		I64Const $1
		I64Add
		Set R8
		Br $0
	End
	End
	Get SP
	Get R8
	I64Store ret+208(FP)
	RET
