// The load's popularity ranking (topPopular: a quickselect, then a
// quicksort of the kept keys) in WebAssembly: partitionRange and
// insertionSort of sort_generic.go written out, for the reasons of
// pq_wasm.s (Go's wasm code sends each turn of these short inner loops
// through the function's br_table dispatch). Same comparisons and swaps
// as the Go loops, so the same key order.

#include "textflag.h"

// func partitionRange(keys []uint64, lo, hi int) (int, int)
//
// R0: keys, R1: &keys[i], R2: &keys[j], R3: &keys[mid], R4: the pivot,
// R5, R6: swap temporaries. The median of three bounds both inner scans,
// as in the Go loop.
TEXT ·partitionRange(SB), NOSPLIT, $0-56
	I64Load keys_base+0(FP)
	Tee R0
	I64Load lo+24(FP)
	I64Const $3
	I64Shl
	I64Add
	Set R1
	Get R0
	I64Load hi+32(FP)
	I64Const $3
	I64Shl
	I64Add
	Set R2
	// mid = lo + (hi-lo)/2
	Get R0
	I64Load lo+24(FP)
	I64Load hi+32(FP)
	I64Load lo+24(FP)
	I64Sub
	I64Const $1
	I64ShrU
	I64Add
	I64Const $3
	I64Shl
	I64Add
	Set R3
	// if keys[mid] < keys[lo]: swap
	Get R3
	I32WrapI64
	I64Load $0
	Tee R5
	Get R1
	I32WrapI64
	I64Load $0
	Tee R6
	I64LtU
	If
		Get R3
		I32WrapI64
		Get R6
		I64Store $0
		Get R1
		I32WrapI64
		Get R5
		I64Store $0
	End
	// if keys[hi] < keys[lo]: swap
	Get R2
	I32WrapI64
	I64Load $0
	Tee R5
	Get R1
	I32WrapI64
	I64Load $0
	Tee R6
	I64LtU
	If
		Get R2
		I32WrapI64
		Get R6
		I64Store $0
		Get R1
		I32WrapI64
		Get R5
		I64Store $0
	End
	// if keys[hi] < keys[mid]: swap
	Get R2
	I32WrapI64
	I64Load $0
	Tee R5
	Get R3
	I32WrapI64
	I64Load $0
	Tee R6
	I64LtU
	If
		Get R2
		I32WrapI64
		Get R6
		I64Store $0
		Get R3
		I32WrapI64
		Get R5
		I64Store $0
	End
	Get R3
	I32WrapI64
	I64Load $0
	Set R4
	Block
	Loop
		// for i <= j
		Get R1
		Get R2
		I64GtS
		BrIf $1
		// for keys[i] < pivot: i++
		Block
		Loop
			Get R1
			I32WrapI64
			I64Load $0
			Get R4
			I64GeU
			BrIf $1
			Get R1
			I64Const $8
			I64Add
			Set R1
			Br $0
		End
		End
		// for keys[j] > pivot: j--
		Block
		Loop
			Get R2
			I32WrapI64
			I64Load $0
			Get R4
			I64LeU
			BrIf $1
			Get R2
			I64Const $8
			I64Sub
			Set R2
			Br $0
		End
		End
		Get R1
		Get R2
		I64LeS
		If
			Get R1
			I32WrapI64
			I64Load $0
			Set R5
			Get R1
			I32WrapI64
			Get R2
			I32WrapI64
			I64Load $0
			I64Store $0
			Get R2
			I32WrapI64
			Get R5
			I64Store $0
			Get R1
			I64Const $8
			I64Add
			Set R1
			Get R2
			I64Const $8
			I64Sub
			Set R2
		End
		Br $0
	End
	End
	Get SP
	Get R1
	Get R0
	I64Sub
	I64Const $3
	I64ShrS
	I64Store ret+40(FP)
	Get SP
	Get R2
	Get R0
	I64Sub
	I64Const $3
	I64ShrS
	I64Store ret1+48(FP)
	RET

// func insertionSort(keys []uint64)
//
// R0: &keys[0], R1: &keys[a], R2: &keys[b], R3: the end, R4: keys[b],
// R5: keys[b-1].
TEXT ·insertionSort(SB), NOSPLIT, $0-24
	I64Load keys_base+0(FP)
	Tee R0
	I64Load keys_len+8(FP)
	I64Const $3
	I64Shl
	I64Add
	Set R3
	Get R0
	I64Const $8
	I64Add
	Set R1
	Block
	Loop
		Get R1
		Get R3
		I64GeU
		BrIf $1
		Get R1
		Set R2
		Block
		Loop
			// for b > 0 && keys[b] < keys[b-1]: swap, b--
			Get R2
			Get R0
			I64LeU
			BrIf $1
			Get R2
			I32WrapI64
			I64Load $0
			Tee R4
			Get R2
			I64Const $8
			I64Sub
			I32WrapI64
			I64Load $0
			Tee R5
			I64GeU
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
		Get R1
		I64Const $8
		I64Add
		Set R1
		Br $0
	End
	End
	RET

// func searchKeys(keys []uint64, key uint64) int
//
// R0: keys, R1: lo, R2: hi, R3: mid, R4: key.
TEXT ·searchKeys(SB), NOSPLIT, $0-40
	I64Load keys_base+0(FP)
	Set R0
	I64Const $0
	Set R1
	I64Load keys_len+8(FP)
	Set R2
	I64Load key+24(FP)
	Set R4
	Block
	Loop
		Get R1
		Get R2
		I64GeU
		BrIf $1
		Get R1
		Get R2
		I64Add
		I64Const $1
		I64ShrU
		Tee R3
		// keys[mid] < key: lo = mid+1, else hi = mid
		I64Const $3
		I64Shl
		Get R0
		I64Add
		I32WrapI64
		I64Load $0
		Get R4
		I64LtU
		If
			Get R3
			I64Const $1
			I64Add
			Set R1
		Else
			Get R3
			Set R2
		End
		Br $0
	End
	End
	Get SP
	Get R1
	I64Store ret+32(FP)
	RET

// func lanes2(cols []byte, k uint64) uint64
//
// R0: the current word, R1: the end of the words, R2: k, R3: the OR,
// R4: a word's value, R5: 0x0000ffff0000ffff, R6: the end of the
// 32-byte blocks. Four words a turn (the loop's own compare and branch
// were a third of a turn of one), then one.
#define LANES(OFF) \
	Get R0; I32WrapI64; I64Load OFF; Tee R4; Get R5; I64And; Get R2; I64Add; \
	Get R4; I64Const $16; I64ShrU; Get R5; I64And; Get R2; I64Add; I64Or; Get R3; I64Or; Set R3

TEXT ·lanes2(SB), NOSPLIT, $0-40
	I64Load cols_base+0(FP)
	Tee R0
	I64Load cols_len+8(FP)
	I64Const $-8
	I64And
	I64Add
	Set R1
	Get R0
	I64Load cols_len+8(FP)
	I64Const $-32
	I64And
	I64Add
	Set R6
	I64Load k+24(FP)
	Set R2
	I64Const $0
	Set R3
	I64Const $0x0000ffff0000ffff
	Set R5
	Block
	Loop
		Get R0
		Get R6
		I64GeU
		BrIf $1
		LANES($0)
		LANES($8)
		LANES($16)
		LANES($24)
		Get R0
		I64Const $32
		I64Add
		Set R0
		Br $0
	End
	End
	Block
	Loop
		Get R0
		Get R1
		I64GeU
		BrIf $1
		LANES($0)
		Get R0
		I64Const $8
		I64Add
		Set R0
		Br $0
	End
	End
	Get SP
	Get R3
	I64Store ret+32(FP)
	RET

// func insertionSortByItem(xs []histWeight)
//
// A histWeight is 16 bytes: item (int32) at 0, w (float64) at 8; a swap
// moves both words. R0: &xs[0], R1: &xs[a], R2: &xs[b], R3: the end,
// R4, R5: xs[b]'s words, R6, R7: xs[b-1]'s.
TEXT ·insertionSortByItem(SB), NOSPLIT, $0-24
	I64Load xs_base+0(FP)
	Tee R0
	I64Load xs_len+8(FP)
	I64Const $4
	I64Shl
	I64Add
	Set R3
	Get R0
	I64Const $16
	I64Add
	Set R1
	Block
	Loop
		Get R1
		Get R3
		I64GeU
		BrIf $1
		Get R1
		Set R2
		Block
		Loop
			// for b > 0 && xs[b].item < xs[b-1].item: swap, b--
			Get R2
			Get R0
			I64LeU
			BrIf $1
			Get R2
			I32WrapI64
			I64Load $0
			Tee R4
			I32WrapI64
			Get R2
			I64Const $16
			I64Sub
			I32WrapI64
			I64Load $0
			Tee R6
			I32WrapI64
			I32GeS
			BrIf $1
			Get R2
			I32WrapI64
			I64Load $8
			Set R5
			Get R2
			I64Const $16
			I64Sub
			I32WrapI64
			I64Load $8
			Set R7
			Get R2
			I32WrapI64
			Get R6
			I64Store $0
			Get R2
			I32WrapI64
			Get R7
			I64Store $8
			Get R2
			I64Const $16
			I64Sub
			Tee R2
			I32WrapI64
			Get R4
			I64Store $0
			Get R2
			I32WrapI64
			Get R5
			I64Store $8
			Br $0
		End
		End
		Get R1
		I64Const $16
		I64Add
		Set R1
		Br $0
	End
	End
	RET

// func popKeys(pop []float32, keys []uint64) bool
//
// popKey of each score, on its bits (-0 as +0, then the sign folded in),
// with no branch: R0: &pop[i], R1: &keys[i], R2: i, R3: the count, R4:
// a NaN seen, R5: the bits, R6: the bits without the sign.
TEXT ·popKeys(SB), NOSPLIT, $0-49
	I64Load pop_base+0(FP)
	Set R0
	I64Load keys_base+24(FP)
	Set R1
	I64Load pop_len+8(FP)
	Set R3
	I64Load keys_len+32(FP)
	Tee R5
	Get R3
	I64LtU
	If
		Get R5
		Set R3
	End
	I64Const $0
	Set R2
	I64Const $0
	Set R4
	Block
	Loop
		Get R2
		Get R3
		I64GeU
		BrIf $1
		Get R0
		I32WrapI64
		I64Load32U $0
		Tee R5
		I64Const $0x7fffffff
		I64And
		Tee R6
		I64Const $0x7f800000
		I64GtU
		I64ExtendI32U
		Get R4
		I64Or
		Set R4
		// ±0 → +0
		Get R5
		I64Const $0
		Get R6
		I32WrapI64
		Select
		Set R5
		// negative: all bits flipped; else the sign bit set
		Get R5
		I64Const $0xffffffff
		I64Xor
		Get R5
		I64Const $0x80000000
		I64Or
		Get R5
		I64Const $31
		I64ShrU
		I32WrapI64
		Select
		// key = ^b<<32 | i
		I64Const $0xffffffff
		I64Xor
		I64Const $32
		I64Shl
		Get R2
		I64Or
		Set R5
		Get R1
		I32WrapI64
		Get R5
		I64Store $0
		Get R0
		I64Const $4
		I64Add
		Set R0
		Get R1
		I64Const $8
		I64Add
		Set R1
		Get R2
		I64Const $1
		I64Add
		Set R2
		Br $0
	End
	End
	Get SP
	Get R4
	I64Store8 ret+48(FP)
	RET
