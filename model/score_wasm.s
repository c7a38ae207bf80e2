// The neighbours kind's two per-request loops in WebAssembly: scatter2
// (add a history item's row into the scores) and blendScan (find the next
// item whose blended score reaches the heap's floor), the loops of
// score_generic.go written out for the reasons of pq_wasm.s (Go's wasm code
// sends every iteration through the function's br_table dispatch and
// spills slice headers to its stack). Same operations in the same order
// as the Go loops, so the same floats bit for bit (model/RATIONALE.md).

#include "textflag.h"

// Shared by the fills (blendFill, boostFill, popFill) and siftUp.
//
// SIFT moves the cand at J up while it is better than the one before it,
// down to BASE: better(a, b) is a.score > b.score when the scores differ
// (a NaN differs from all), else a.item < b.item. A, B, FA, FB:
// temporaries (best[j], best[j-1] and their scores).
#define SIFT(J, BASE, A, B, FA, FB) \
	Block; Loop; \
		Get J; Get BASE; I64LeU; BrIf $1; \
		Get J; I32WrapI64; I64Load $0; Tee A; I64Const $32; I64ShrU; I32WrapI64; F32ReinterpretI32; Set FA; \
		Get J; I64Const $8; I64Sub; I32WrapI64; I64Load $0; Tee B; I64Const $32; I64ShrU; I32WrapI64; F32ReinterpretI32; Set FB; \
		Get FA; Get FB; F32Gt; Get A; I32WrapI64; Get B; I32WrapI64; I32LtS; Get FA; Get FB; F32Ne; Select; I32Eqz; BrIf $1; \
		Get J; I32WrapI64; Get B; I64Store $0; \
		Get J; I64Const $8; I64Sub; Tee J; I32WrapI64; Get A; I64Store $0; \
		Br $0; \
	End; End

// FILTER goes on to the loop's next turn (it is used at the loop body's
// level) unless item I is allowed: excluded[I] false, available[I] true
// unless available is empty, catOf[I] == want unless catOf is empty.
// EXCL, AVAIL, CAT: the bases; AVLEN, CATLEN, WANT: the frame's words.
#define FILTER(I, EXCL, AVAIL, CAT, AVLEN, CATLEN, WANT) \
	Get EXCL; Get I; I64Add; I32WrapI64; I32Load8U $0; BrIf $0; \
	I64Load AVLEN; I64Eqz; I32Eqz; If; Get AVAIL; Get I; I64Add; I32WrapI64; I32Load8U $0; I32Eqz; BrIf $1; End; \
	I64Load CATLEN; I64Eqz; I32Eqz; If; Get CAT; Get I; I64Const $2; I64Shl; I64Add; I32WrapI64; I32Load $0; I32Load WANT; I32Ne; BrIf $1; End

// TAKEN goes on to the loop's next turn when item I is among picked's
// cands (PBASE, PLEN: the frame's words; C, E: temporaries).
#define TAKEN(I, PBASE, PLEN, C, E) \
	I64Load PBASE; Tee C; I64Load PLEN; I64Const $3; I64Shl; I64Add; Set E; \
	Block; Loop; \
		Get C; Get E; I64GeU; BrIf $1; \
		Get C; I32WrapI64; I64Load32S $0; Get I; I64Eq; BrIf $2; \
		Get C; I64Const $8; I64Add; Set C; Br $0; \
	End; End

// PUTCAND stores the cand (I, F) at ADDR: the item in the low word, the
// score's bits in the high one.
#define PUTCAND(ADDR, I, F) \
	Get ADDR; I32WrapI64; Get I; I64Const $0xffffffff; I64And; Get F; I32ReinterpretF32; I64ExtendI32U; I64Const $32; I64Shl; I64Or; I64Store $0

// MINLEN lowers R5 to the frame's word X (R15: a temporary).
#define MINLEN(X) \
	I64Load X; Set R15; \
	Get R15; Get R5; Get R15; Get R5; I64LtU; Select; Set R5

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
		FILTER(R13, R9, R10, R11, available_len+120(FP), catOf_len+144(FP), want+160(FP))
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
		Set R7
		PUTCAND(R7, R13, F2)
		SIFT(R7, R4, R14, R15, F3, F4)
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
	SIFT(R2, R0, R4, R5, F0, F1)
	RET

// LASTSCORE sets F2 to the score of best[n-1] when best is full (n ==
// need; R8, R9, R10 as in boostFill).
#define LASTSCORE \
	Get R8; Get R9; I64Eq; \
	If; Get R10; Get R8; I64Const $3; I64Shl; I64Add; I64Const $8; I64Sub; I32WrapI64; F32Load $4; Set F2; End

// func boostFill(boosted []int32, pop, boost []float32, mark []bool, best []cand, n, need int, excluded, available []bool, catOf []uint32, want uint32, picked []cand) int
//
// R0: &boosted[p] (already past the item in the loop's body), R1: the end
// of boosted, R2: pop, R3: boost, R4: mark, R5: the bound every item must
// be below (the least length of pop, boost, mark and excluded, and of
// available and catOf when not empty), R6: i, R7: &boost[i], then
// &best[j], R8: n, R9: need, R10: best, R11: excluded, R12: available,
// R13: catOf, R14: a picked cursor, then best[j], R15: temporaries, then
// best[j-1]; F0: the score, F1: a score compared with it, F2: best[n-1]'s
// score while best is full. An item at or
// past R5 traps (never: see score_generic.go).
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
	// F2: best[n-1]'s score once best is full (reloaded after each
	// insertion), so that most items are turned away by one comparison
	LASTSCORE
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
			// below the last: next (a NaN on either side goes on to the
			// full comparison)
			Get F0
			Get F2
			F32Lt
			BrIf $1
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
		FILTER(R6, R11, R12, R13, available_len+168(FP), catOf_len+192(FP), want+208(FP))
		// taken: i among picked's items
		TAKEN(R6, picked_base+216(FP), picked_len+224(FP), R14, R15)
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
		Set R7
		PUTCAND(R7, R6, F0)
		// siftUp's loop on best[:n], R7 = &best[j]
		SIFT(R7, R10, R14, R15, F0, F1)
		LASTSCORE
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
		FILTER(R6, R11, R12, R13, available_len+136(FP), catOf_len+160(FP), want+176(FP))
		// taken: i among picked's items
		TAKEN(R6, picked_base+184(FP), picked_len+192(FP), R14, R15)
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
