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
