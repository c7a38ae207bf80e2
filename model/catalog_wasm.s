// The catalog scan of privrec_load in WebAssembly: catalogScan of
// catalog_generic.go (catalogItem's parse of the usual item encoding)
// written out, for the reasons of pq_wasm.s; it was an eighth of a load in
// V8. It accepts and rejects exactly what the Go function does.

#include "textflag.h"

// STRAT is wire.StrAt: the str at b[P] (fixstr or str8, at most MAX bytes,
// in bounds, with a byte after its code) starts at S and ends at E; any
// other bytes branch out D levels (to the failure exit). R0: b, R1:
// len(b), R9, R10: temporaries.
#define STRAT(P, MAX, S, E, D) \
	Get P; I64Const $1; I64Add; Get R1; I64GeS; BrIf D; \
	Get R0; Get P; I64Add; I32WrapI64; I64Load8U $0; Set R9; \
	Get R9; I64Const $0xe0; I64And; I64Const $0xa0; I64Ne; Get R9; I64Const $0xd9; I64Ne; I32And; BrIf D; \
	Get R9; I64Const $0xd9; I64Eq; \
	If; \
		Get R0; Get P; I64Add; I32WrapI64; I64Load8U $1; Set R10; \
		Get P; I64Const $2; I64Add; Set S; \
	Else; \
		Get R9; I64Const $0x1f; I64And; Set R10; \
		Get P; I64Const $1; I64Add; Set S; \
	End; \
	Get R10; MAX; I64GtU; BrIf D; \
	Get S; Get R10; I64Add; Tee E; Get R1; I64GtS; BrIf D

// func catalogScan(b []byte, p, idMax, titleMax, tagMax int) (is, ie, cs, ce, q int)
//
// R2: the position, R3/R4: the id, R5/R6: the title, R7/R8: the
// category, R11: tags left, R12: a tag's start.
TEXT ·catalogScan(SB), NOSPLIT, $0-96
	I64Load b_base+0(FP)
	Set R0
	I64Load b_len+8(FP)
	Set R1
	I64Load p+24(FP)
	Set R2
	Block
		// b[p] == 0x95 (a 5-array), 0 <= p < len(b)
		Get R2
		Get R1
		I64GeU
		BrIf $0
		Get R0
		Get R2
		I64Add
		I32WrapI64
		I32Load8U $0
		I32Const $0x95
		I32Ne
		BrIf $0
		Get R2
		I64Const $1
		I64Add
		Set R2
		STRAT(R2, I64Load idMax+32(FP), R3, R4, $0)
		STRAT(R4, I64Load titleMax+40(FP), R5, R6, $0)
		// a float64 (0xcb) in bounds, not NaN or ±Inf (exponent all ones)
		Get R6
		I64Const $9
		I64Add
		Get R1
		I64GtS
		BrIf $0
		Get R0
		Get R6
		I64Add
		I32WrapI64
		I32Load8U $0
		I32Const $0xcb
		I32Ne
		BrIf $0
		Get R0
		Get R6
		I64Add
		I32WrapI64
		I32Load8U $1
		I32Const $0x7f
		I32And
		I32Const $0x7f
		I32Eq
		Get R0
		Get R6
		I64Add
		I32WrapI64
		I32Load8U $2
		I32Const $0xf0
		I32And
		I32Const $0xf0
		I32Eq
		I32And
		BrIf $0
		Get R6
		I64Const $9
		I64Add
		Set R6
		STRAT(R6, I64Load idMax+32(FP), R7, R8, $0)
		// a fixarray of tags at R8 < len(b)
		Get R8
		Get R1
		I64GeS
		BrIf $0
		Get R0
		Get R8
		I64Add
		I32WrapI64
		I64Load8U $0
		Tee R11
		I64Const $0xf0
		I64And
		I64Const $0x90
		I64Ne
		BrIf $0
		Get R11
		I64Const $0x0f
		I64And
		Set R11
		Get R8
		I64Const $1
		I64Add
		Set R2
		Block
		Loop
			Get R11
			I64Eqz
			BrIf $1
			STRAT(R2, I64Load tagMax+48(FP), R12, R2, $2)
			Get R11
			I64Const $1
			I64Sub
			Set R11
			Br $0
		End
		End
		Get SP
		Get R3
		I64Store is+56(FP)
		Get SP
		Get R4
		I64Store ie+64(FP)
		Get SP
		Get R7
		I64Store cs+72(FP)
		Get SP
		Get R8
		I64Store ce+80(FP)
		Get SP
		Get R2
		I64Store q+88(FP)
		RET
	End
	Get SP
	I64Const $-1
	I64Store q+88(FP)
	RET

// EQ branches out D levels unless the L bytes at A and at C (L >= 1,
// registers) are equal: 8-byte words, the last one overlapping, from 8
// bytes on; two 4-byte words from 4; bytes 0, L/2 and L-1 below (every
// byte for L <= 3). A, C and L are moved.
#define EQ(A, C, L, D) \
	Get L; I64Const $8; I64GeU; \
	If; \
		Block; Loop; \
			Get L; I64Const $8; I64LeU; BrIf $1; \
			Get A; I32WrapI64; I64Load $0; Get C; I32WrapI64; I64Load $0; I64Ne; BrIf $(D+3); \
			Get A; I64Const $8; I64Add; Set A; Get C; I64Const $8; I64Add; Set C; \
			Get L; I64Const $8; I64Sub; Set L; Br $0; \
		End; End; \
		Get A; Get L; I64Add; I64Const $8; I64Sub; I32WrapI64; I64Load $0; Get C; Get L; I64Add; I64Const $8; I64Sub; I32WrapI64; I64Load $0; I64Ne; BrIf $(D+1); \
	Else; \
		Get L; I64Const $4; I64GeU; \
		If; \
			Get A; I32WrapI64; I64Load32U $0; Get C; I32WrapI64; I64Load32U $0; I64Ne; BrIf $(D+2); \
			Get A; Get L; I64Add; I64Const $4; I64Sub; I32WrapI64; I64Load32U $0; Get C; Get L; I64Add; I64Const $4; I64Sub; I32WrapI64; I64Load32U $0; I64Ne; BrIf $(D+2); \
		Else; \
			Get A; I32WrapI64; I64Load8U $0; Get C; I32WrapI64; I64Load8U $0; I64Ne; BrIf $(D+2); \
			Get A; Get L; I64Const $1; I64ShrU; I64Add; I32WrapI64; I64Load8U $0; Get C; Get L; I64Const $1; I64ShrU; I64Add; I32WrapI64; I64Load8U $0; I64Ne; BrIf $(D+2); \
			Get A; Get L; I64Add; I64Const $1; I64Sub; I32WrapI64; I64Load8U $0; Get C; Get L; I64Add; I64Const $1; I64Sub; I32WrapI64; I64Load8U $0; I64Ne; BrIf $(D+2); \
		End; \
	End

// func catalogRun(b []byte, p, left int, ids []byte, idOff []uint32, available []bool, catOf []uint32, cat []byte, num, next int) (done, q, nextOut int)
//
// R0: b, R1: len(b), R2: the position, R3/R4: the id, R6: the title's
// end, R7/R8: the category, R11: tags left, R12: the parse position,
// R13: next, R14: the bound on next, R5, R15: temporaries (the
// comparisons' operands); R9, R10: STRAT's.
TEXT ·catalogRun(SB), NOSPLIT, $0-200
	I64Load b_base+0(FP)
	Set R0
	I64Load b_len+8(FP)
	Set R1
	I64Load p+24(FP)
	Set R2
	I64Load next+168(FP)
	Set R13
	// done < left, next < len(available), next+1 < len(idOff): next
	// below R14 = min(next+left, len(available), len(idOff)-1)
	Get R13
	I64Load left+32(FP)
	I64Add
	Set R14
	I64Load available_len+96(FP)
	Tee R15
	Get R14
	I64LtS
	If
		Get R15
		Set R14
	End
	I64Load idOff_len+72(FP)
	I64Const $1
	I64Sub
	Tee R15
	Get R14
	I64LtS
	If
		Get R15
		Set R14
	End
	Block
	Loop
		Get R13
		Get R14
		I64GeS
		BrIf $1
		// catalogScan's parse of the item at R2 (R12 the position)
		Get R2
		Get R1
		I64GeU
		BrIf $1
		Get R0
		Get R2
		I64Add
		I32WrapI64
		I32Load8U $0
		I32Const $0x95
		I32Ne
		BrIf $1
		Get R2
		I64Const $1
		I64Add
		Set R12
		STRAT(R12, I64Const $256, R3, R4, $1)
		STRAT(R4, I64Const $1024, R5, R6, $1)
		Get R6
		I64Const $9
		I64Add
		Get R1
		I64GtS
		BrIf $1
		Get R0
		Get R6
		I64Add
		I32WrapI64
		I32Load8U $0
		I32Const $0xcb
		I32Ne
		BrIf $1
		Get R0
		Get R6
		I64Add
		I32WrapI64
		I32Load8U $1
		I32Const $0x7f
		I32And
		I32Const $0x7f
		I32Eq
		Get R0
		Get R6
		I64Add
		I32WrapI64
		I32Load8U $2
		I32Const $0xf0
		I32And
		I32Const $0xf0
		I32Eq
		I32And
		BrIf $1
		Get R6
		I64Const $9
		I64Add
		Set R6
		Block
		Block
			// the usual tail, a0 90 (no category, no tags), at once
			Get R6
			I64Const $2
			I64Add
			Get R1
			I64GtS
			BrIf $0
			Get R0
			Get R6
			I64Add
			I32WrapI64
			I32Load16U $0
			I32Const $0x90a0
			I32Ne
			BrIf $0
			Get R6
			I64Const $2
			I64Add
			Set R12
			I64Const $0
			Set R7
			I64Const $0
			Set R8
			Br $1
		End
		STRAT(R6, I64Const $256, R7, R8, $2)
		Get R8
		Get R1
		I64GeS
		BrIf $2
		Get R0
		Get R8
		I64Add
		I32WrapI64
		I64Load8U $0
		Tee R11
		I64Const $0xf0
		I64And
		I64Const $0x90
		I64Ne
		BrIf $2
		Get R11
		I64Const $0x0f
		I64And
		Set R11
		Get R8
		I64Const $1
		I64Add
		Set R12
		Block
		Loop
			Get R11
			I64Eqz
			BrIf $1
			STRAT(R12, I64Const $64, R5, R12, $4)
			Get R11
			I64Const $1
			I64Sub
			Set R11
			Br $0
		End
		End
		End
		// a non-empty id, item next not yet available
		Get R4
		Get R3
		I64Eq
		BrIf $1
		I64Load available_base+88(FP)
		Get R13
		I64Add
		I32WrapI64
		I32Load8U $0
		BrIf $1
		// the id is item next's: idOff[next+1]-idOff[next] == ie-is,
		// idOff[next+1] <= len(ids), the bytes equal
		I64Load idOff_base+64(FP)
		Get R13
		I64Const $2
		I64Shl
		I64Add
		Tee R9
		I32WrapI64
		I64Load32U $4
		Set R15
		Get R9
		I32WrapI64
		I64Load32U $0
		Set R5
		Get R15
		I64Load ids_len+48(FP)
		I64GtU
		BrIf $1
		Get R15
		Get R5
		I64Sub
		Get R4
		Get R3
		I64Sub
		Tee R15
		I64Ne
		BrIf $1
		I64Load ids_base+40(FP)
		Get R5
		I64Add
		Set R5
		Get R0
		Get R3
		I64Add
		Set R3
		EQ(R3, R5, R15, 1)
		// a category: cat's (then catOf[next] = num, next < len(catOf))
		Get R8
		Get R7
		I64Ne
		If
			Get R8
			Get R7
			I64Sub
			Tee R15
			I64Load cat_len+144(FP)
			I64Ne
			BrIf $2
			Get R13
			I64Load catOf_len+120(FP)
			I64GeU
			BrIf $2
			Get R0
			Get R7
			I64Add
			Set R7
			I64Load cat_base+136(FP)
			Set R5
			EQ(R7, R5, R15, 2)
			I64Load catOf_base+112(FP)
			Get R13
			I64Const $2
			I64Shl
			I64Add
			I32WrapI64
			I64Load num+160(FP)
			I64Store32 $0
		End
		// applied: available[next] = true, next++, done++
		I64Load available_base+88(FP)
		Get R13
		I64Add
		I32WrapI64
		I32Const $1
		I32Store8 $0
		Get R13
		I64Const $1
		I64Add
		Set R13
		Get R12
		Set R2
		Br $0
	End
	End
	Get SP
	Get R13
	I64Load next+168(FP)
	I64Sub
	I64Store done+176(FP)
	Get SP
	Get R2
	I64Store q+184(FP)
	Get SP
	Get R13
	I64Store nextOut+192(FP)
	RET
