// The item table's check of privrec_load in WebAssembly: itemsScan of
// items_generic.go (checkItems' loop over the ids) written out, for the
// reasons of pq_wasm.s; each id's big-endian prefix key is one 8-byte
// load and a byte swap here, where Go's wasm code builds it from eight
// byte loads and shifts (the loop was a tenth of a load in V8, three
// times native). It stops where the Go function stops, and checkItems'
// own loop takes over there.

#include "textflag.h"

// func itemsScan(ids, idEnd []byte, off []uint32, keys []uint64) int
//
// R0: ids, R1: len(ids), R2: i, R3: id i's start, R4: its end, R5: its
// key, R6: the previous key, R7: the previous id's start, R8: the items
// to scan, R10: the id's length, R11: j, R12: the bytes the previous id
// and this one have in common at most, R9, R13: temporaries, R14: off,
// R15: keys.
TEXT ·itemsScan(SB), NOSPLIT, $0-104
	I64Load ids_base+0(FP)
	Set R0
	I64Load ids_len+8(FP)
	Set R1
	I64Load off_base+48(FP)
	Set R14
	I64Load keys_base+72(FP)
	Set R15
	// R8 = min(len(keys), len(idEnd)/4, len(off)-1)
	I64Load keys_len+80(FP)
	Set R8
	I64Load idEnd_len+32(FP)
	I64Const $2
	I64ShrU
	Tee R9
	Get R8
	I64LtS
	If
		Get R9
		Set R8
	End
	I64Load off_len+56(FP)
	I64Const $1
	I64Sub
	Tee R9
	Get R8
	I64LtS
	If
		Get R9
		Set R8
	End
	I64Const $0
	Set R2
	I64Const $0
	Set R3
	I64Const $0
	Set R6
	I64Const $0
	Set R7
	Block
	Loop
		Get R2
		Get R8
		I64GeS
		BrIf $1
		// end = idEnd[i]
		I64Load idEnd_base+24(FP)
		Get R2
		I64Const $2
		I64Shl
		I64Add
		I32WrapI64
		I64Load32U $0
		Set R4
		// 1..MaxIDLen bytes within ids, with 8 bytes from the start
		// in bounds; otherwise Go decides
		Get R4
		Get R3
		I64LeU
		BrIf $1
		Get R4
		Get R1
		I64GtU
		BrIf $1
		Get R4
		Get R3
		I64Sub
		Tee R10
		I64Const $256
		I64GtU
		BrIf $1
		Get R3
		I64Const $8
		I64Add
		Get R1
		I64GtU
		BrIf $1
		// the key: the 8 bytes at start (little-endian as loaded), the
		// bytes past the id masked off, byte-swapped
		Get R0
		Get R3
		I64Add
		I32WrapI64
		I64Load $0
		Set R5
		Get R10
		I64Const $8
		I64LtU
		If
			Get R5
			I64Const $1
			Get R10
			I64Const $3
			I64Shl
			I64Shl
			I64Const $1
			I64Sub
			I64And
			Set R5
		End
		Get R5
		I64Const $8
		I64ShrU
		I64Const $0x00ff00ff00ff00ff
		I64And
		Get R5
		I64Const $0x00ff00ff00ff00ff
		I64And
		I64Const $8
		I64Shl
		I64Or
		Set R5
		Get R5
		I64Const $16
		I64ShrU
		I64Const $0x0000ffff0000ffff
		I64And
		Get R5
		I64Const $0x0000ffff0000ffff
		I64And
		I64Const $16
		I64Shl
		I64Or
		I64Const $32
		I64Rotl
		Set R5
		// i > 0: the key ascends, or equals the previous one and the
		// id sorts after the previous id
		Get R2
		I64Const $0
		I64GtS
		If
			Get R5
			Get R6
			I64LtU
			BrIf $2
			Get R5
			Get R6
			I64Eq
			If
				// R12 = min(previous length, this length); both
				// ids agree on their first min(8, R12) bytes
				Get R3
				Get R7
				I64Sub
				Tee R12
				Get R10
				I64GtU
				If
					Get R10
					Set R12
				End
				I64Const $8
				Set R11
				Block // the order holds
					Block
					Loop // skip equal 8-byte words
						Get R11
						I64Const $8
						I64Add
						Get R12
						I64GtU
						BrIf $1
						Get R0
						Get R7
						I64Add
						Get R11
						I64Add
						I32WrapI64
						I64Load $0
						Get R0
						Get R3
						I64Add
						Get R11
						I64Add
						I32WrapI64
						I64Load $0
						I64Ne
						BrIf $1
						Get R11
						I64Const $8
						I64Add
						Set R11
						Br $0
					End
					End
					Block
					Loop // then byte by byte
						Get R11
						Get R12
						I64GeU
						BrIf $1
						Get R0
						Get R7
						I64Add
						Get R11
						I64Add
						I32WrapI64
						I64Load8U $0
						Set R9
						Get R0
						Get R3
						I64Add
						Get R11
						I64Add
						I32WrapI64
						I64Load8U $0
						Set R13
						Get R9
						Get R13
						I64Ne
						If
							// the first differing byte decides
							Get R9
							Get R13
							I64LtU
							BrIf $3
							Br $7
						End
						Get R11
						I64Const $1
						I64Add
						Set R11
						Br $0
					End
					End
					// one is a prefix of the other: the shorter sorts first
					Get R3
					Get R7
					I64Sub
					Get R10
					I64LtU
					BrIf $0
					Br $4
				End
			End
		End
		// off[i+1] = end, keys[i] = key
		Get R14
		Get R2
		I64Const $2
		I64Shl
		I64Add
		I32WrapI64
		Get R4
		I64Store32 $4
		Get R15
		Get R2
		I64Const $3
		I64Shl
		I64Add
		I32WrapI64
		Get R5
		I64Store $0
		Get R3
		Set R7
		Get R4
		Set R3
		Get R5
		Set R6
		Get R2
		I64Const $1
		I64Add
		Set R2
		Br $0
	End
	End
	Get SP
	Get R2
	I64Store ret+96(FP)
	RET
