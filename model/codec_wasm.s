// The response's plain items (plainSource in codec.go) in WebAssembly: the
// bytes putPlain of codec_generic.go writes, stored a word at a time with
// the id copied by memory.copy, in one leaf call. Go's wasm code sent the
// id's bytes through a loop (each turn through the function's br_table
// dispatch) and checked the bounds of every store: a tenth of a
// no-history request in V8.

#include "textflag.h"

// func putPlain(d *byte, id string, be, src uint64) int
//
// R0: d, R1: d+7+len(id), where the score's key starts, R2: len(id).
TEXT ·putPlain(SB), NOSPLIT, $0-48
	I64Load d+0(FP)
	Set R0
	I64Load id_len+16(FP)
	Set R2
	// d[0:8]: 0x83 "\xa4item", the id's fixstr header, one byte the id
	// overwrites.
	Get R0
	I32WrapI64
	I64Const $0x6d657469a483
	Get R2
	I64Const $0xa0
	I64Or
	I64Const $48
	I64Shl
	I64Or
	I64Store $0
	// The id at d+7.
	Get R0
	I32WrapI64
	I32Const $7
	I32Add
	I64Load id_base+8(FP)
	I32WrapI64
	Get R2
	I32WrapI64
	MemoryCopy
	// "\xa5score" 0xcb, the score's bits, "\xa6source", the source; each
	// store's eighth byte is overwritten by the next.
	Get R0
	Get R2
	I64Add
	I64Const $7
	I64Add
	Tee R1
	I32WrapI64
	I64Const $0xcb65726f6373a5
	I64Store $0
	Get R1
	I32WrapI64
	I64Load be+24(FP)
	I64Store $7
	Get R1
	I32WrapI64
	I64Const $0x656372756f73a6
	I64Store $15
	Get R1
	I32WrapI64
	I64Load src+32(FP)
	I64Store $22
	// 7 + len(id) + 22 + the source's header and bytes.
	Get SP
	Get R2
	I64Load src+32(FP)
	I64Const $0x0f
	I64And
	I64Add
	I64Const $30
	I64Add
	I64Store ret+40(FP)
	RET

// func putPopular(d []byte, best []cand, ids []byte, idOff []uint32) (items, n int)
//
// putPlain's stores for each candidate of best in turn, the id found
// through idOff and the score promoted to float64 and byte-swapped here,
// until one whose id is 32 bytes or longer. R0: where the next item goes,
// R1: the next candidate, R2: the end of best, R3: ids, R4: idOff,
// R5: items written, R6: the candidate's item, R7: its id's start,
// R8: its id's length, R9: where its score's key goes, R10: d, R11: the
// score's bits. An item past idOff's end, an id past ids' end or d with
// less room than plainRoom a candidate traps (the model's tables never
// allow the first two; memory stays safe if they did).
TEXT ·putPopular(SB), NOSPLIT, $0-112
	I64Load d_len+8(FP)
	I64Load best_len+32(FP)
	I64Const $68
	I64Mul
	I64LtU
	If
		Unreachable
	End
	I64Load d_base+0(FP)
	Tee R0
	Set R10
	I64Load best_base+24(FP)
	Tee R1
	I64Load best_len+32(FP)
	I64Const $3
	I64Shl
	I64Add
	Set R2
	I64Load ids_base+48(FP)
	Set R3
	I64Load idOff_base+72(FP)
	Set R4
	I64Const $0
	Set R5
	Block
	Loop
		Get R1
		Get R2
		I64GeU
		BrIf $1
		// i = best[j].item; i+1 < len(idOff)
		Get R1
		I32WrapI64
		I64Load32U $0
		Tee R6
		I64Const $1
		I64Add
		I64Load idOff_len+80(FP)
		I64GeU
		If
			Unreachable
		End
		// start, end = idOff[i], idOff[i+1]; start <= end <= len(ids)
		Get R4
		Get R6
		I64Const $2
		I64Shl
		I64Add
		I32WrapI64
		I64Load32U $0
		Set R7
		Get R4
		Get R6
		I64Const $2
		I64Shl
		I64Add
		I32WrapI64
		I64Load32U $4
		Tee R8
		I64Load ids_len+56(FP)
		I64GtU
		Get R7
		Get R8
		I64GtU
		I32Or
		If
			Unreachable
		End
		Get R8
		Get R7
		I64Sub
		Tee R8
		I64Const $32
		I64GeU
		BrIf $1
		// d[0:8]: 0x83 "\xa4item", the id's fixstr header
		Get R0
		I32WrapI64
		I64Const $0x6d657469a483
		Get R8
		I64Const $0xa0
		I64Or
		I64Const $48
		I64Shl
		I64Or
		I64Store $0
		// the id at d+7: up to 16 bytes in two word copies when ids has
		// them (the stores below overwrite what follows the id), else by
		// memory.copy (a call of it per id was a twentieth of a
		// no-history request in V8)
		Get R8
		I64Const $16
		I64LeU
		Get R7
		I64Const $16
		I64Add
		I64Load ids_len+56(FP)
		I64LeU
		I32And
		If
			Get R0
			I32WrapI64
			Get R3
			Get R7
			I64Add
			I32WrapI64
			I64Load $0
			I64Store $7
			Get R0
			I32WrapI64
			Get R3
			Get R7
			I64Add
			I32WrapI64
			I64Load $8
			I64Store $15
		Else
			Get R0
			I32WrapI64
			I32Const $7
			I32Add
			Get R3
			Get R7
			I64Add
			I32WrapI64
			Get R8
			I32WrapI64
			MemoryCopy
		End
		// "\xa5score" 0xcb, the score's bits big-endian, "\xa6source",
		// "\xa7popular"
		Get R0
		Get R8
		I64Add
		I64Const $7
		I64Add
		Tee R9
		I32WrapI64
		I64Const $0xcb65726f6373a5
		I64Store $0
		Get R1
		I32WrapI64
		F32Load $4
		F64PromoteF32
		I64ReinterpretF64
		Tee R11
		I64Const $8
		I64ShrU
		I64Const $0x00ff00ff00ff00ff
		I64And
		Get R11
		I64Const $0x00ff00ff00ff00ff
		I64And
		I64Const $8
		I64Shl
		I64Or
		Tee R11
		I64Const $16
		I64ShrU
		I64Const $0x0000ffff0000ffff
		I64And
		Get R11
		I64Const $0x0000ffff0000ffff
		I64And
		I64Const $16
		I64Shl
		I64Or
		I64Const $32
		I64Rotl
		Set R11
		Get R9
		I32WrapI64
		Get R11
		I64Store $7
		Get R9
		I32WrapI64
		I64Const $0x656372756f73a6
		I64Store $15
		Get R9
		I32WrapI64
		I64Const $0x72616c75706f70a7
		I64Store $22
		// next: 7 + len(id) + 30 bytes on
		Get R9
		I64Const $30
		I64Add
		Set R0
		Get R1
		I64Const $8
		I64Add
		Set R1
		Get R5
		I64Const $1
		I64Add
		Set R5
		Br $0
	End
	End
	Get SP
	Get R5
	I64Store items+96(FP)
	Get SP
	Get R0
	Get R10
	I64Sub
	I64Store n+104(FP)
	RET

// FAILIF returns (ok false) when the i32 on the stack is not zero. (The
// checks below are written out: as macros for the room, the key words
// and the small integers, the same checks made the module 1.7 KB larger
// in brotli, with 1.4 KB left under the 600 KB bar.)
#define FAILIF If; RET; End

// func decodePopular(b []byte) (k, hour, weekday int, device string, ok bool)
//
// decodePopularGo's answer for the usual form of such requests, in one
// leaf call: a fixmap of exactly "k" (a positive fixint), "history" (nil
// or an empty fixarray), "now" (an integer of any width that fits an
// int64), "context" (a fixmap of "hour" and "weekday", fixints, the
// negative ones unknown, and maybe "device", a fixstr or str8 of at most
// 64 bytes) and "explain" (a bool), and nothing after it. Anything else
// reports false, and the caller decodes the request in full
// (decodeRequestFast's Go code sent each of its checks through the
// function's br_table dispatch: a sixth of such a request in V8).
// R0: b, R1: the end of b, R2: the next key's address, R3: k, R4: hour,
// R5: weekday, R6: a loaded byte, R7: the device's start, R8: its
// length, R9: the context's map header.
TEXT ·decodePopular(SB), NOSPLIT, $0-65
	Get SP
	I64Const $0
	I64Store8 ok+64(FP)
	I64Load b_base+0(FP)
	Tee R0
	I64Load b_len+8(FP)
	I64Add
	Set R1
	// the map's header, "k" and its value, "history" and its value
	I64Load b_len+8(FP)
	I64Const $13
	I64LtU
	FAILIF
	Get R0
	I32WrapI64
	I64Load $0
	Tee R6
	I64Const $0xffffff
	I64And
	I64Const $0x6ba185
	I64Ne
	FAILIF
	Get R6
	I64Const $24
	I64ShrU
	I64Const $0xff
	I64And
	Tee R3
	I64Const $0x7f
	I64GtU
	FAILIF
	Get R0
	I32WrapI64
	I64Load $4
	I64Const $0x79726f74736968a7
	I64Ne
	FAILIF
	Get R0
	I32WrapI64
	I64Load8U $12
	Tee R6
	I64Const $0xc0
	I64Ne
	Get R6
	I64Const $0x90
	I64Ne
	I32And
	FAILIF
	// "now" and its value (9 bytes at least from its key, as keyAt)
	Get R0
	I64Const $13
	I64Add
	Tee R2
	I64Const $9
	I64Add
	Get R1
	I64GtU
	FAILIF
	Get R2
	I32WrapI64
	I32Load $0
	I32Const $0x776f6ea3
	I32Ne
	FAILIF
	Get R2
	I32WrapI64
	I64Load8U $4
	Set R6
	Get R2
	I64Const $5
	I64Add
	Set R2
	Get R6
	I64Const $0x7f
	I64GtU
	Get R6
	I64Const $0xe0
	I64LtU
	I32And
	If
		// not a fixint: 0xcc-0xcf, 0xd0-0xd3, of 1 << (code & 3) bytes;
		// a uint64 past MaxInt64 is the general decoder's error
		Get R6
		I64Const $0xcc
		I64LtU
		Get R6
		I64Const $0xd3
		I64GtU
		I32Or
		FAILIF
		Get R6
		I64Const $0xcf
		I64Eq
		If
			Get R2
			I32WrapI64
			I32Load8U $0
			I32Const $0x80
			I32And
			FAILIF
		End
		Get R2
		I64Const $1
		Get R6
		I64Const $3
		I64And
		I64Shl
		I64Add
		Set R2
	End
	// "context", its header, "hour" and its value: 17 bytes to the last
	// one read (the hour's key as a word), fewer than what must follow
	Get R2
	I64Const $17
	I64Add
	Get R1
	I64GtU
	FAILIF
	Get R2
	I32WrapI64
	I64Load $0
	I64Const $0x747865746e6f63a7
	I64Ne
	FAILIF
	Get R2
	I32WrapI64
	I64Load8U $8
	Tee R9
	I64Const $0xfe
	I64And
	I64Const $0x82
	I64Ne
	FAILIF
	Get R2
	I32WrapI64
	I64Load $9
	I64Const $0xffffffffff
	I64And
	I64Const $0x72756f68a4
	I64Ne
	FAILIF
	Get R2
	I32WrapI64
	I64Load8U $14
	Tee R4
	I64Const $23
	I64GtU
	If
		Get R4
		I64Const $0xe0
		I64LtU
		FAILIF
		Get R4
		I64Const $256
		I64Sub
		Set R4
	End
	// "weekday" and its value
	Get R2
	I64Const $15
	I64Add
	Tee R2
	I64Const $9
	I64Add
	Get R1
	I64GtU
	FAILIF
	Get R2
	I32WrapI64
	I64Load $0
	I64Const $0x7961646b656577a7
	I64Ne
	FAILIF
	Get R2
	I32WrapI64
	I64Load8U $8
	Tee R5
	I64Const $6
	I64GtU
	If
		Get R5
		I64Const $0xe0
		I64LtU
		FAILIF
		Get R5
		I64Const $256
		I64Sub
		Set R5
	End
	Get R2
	I64Const $9
	I64Add
	Set R2
	// "device" and its string, in a context of three
	I64Const $0
	Set R7
	I64Const $0
	Set R8
	Get R9
	I64Const $0x83
	I64Eq
	If
		Get R2
		I64Const $8
		I64Add
		Get R1
		I64GtU
		FAILIF
		Get R2
		I32WrapI64
		I64Load $0
		I64Const $0x00ffffffffffffff
		I64And
		I64Const $0x656369766564a6
		I64Ne
		FAILIF
		Get R2
		I32WrapI64
		I64Load8U $7
		Tee R6
		I64Const $0xe0
		I64And
		I64Const $0xa0
		I64Eq
		If
			Get R6
			I64Const $0x1f
			I64And
			Set R8
			Get R2
			I64Const $8
			I64Add
			Set R7
		Else
			Get R6
			I64Const $0xd9
			I64Ne
			FAILIF
			Get R2
			I64Const $9
			I64Add
			Get R1
			I64GtU
			FAILIF
			Get R2
			I32WrapI64
			I64Load8U $8
			Tee R8
			I64Const $64
			I64GtU
			FAILIF
			Get R2
			I64Const $9
			I64Add
			Set R7
		End
		Get R7
		Get R8
		I64Add
		Tee R2
		Get R1
		I64GtU
		FAILIF
	End
	// "explain" and a bool, the last bytes of b
	Get R2
	I64Const $9
	I64Add
	Get R1
	I64Ne
	FAILIF
	Get R2
	I32WrapI64
	I64Load $0
	I64Const $0x6e69616c707865a7
	I64Ne
	FAILIF
	Get R2
	I32WrapI64
	I64Load8U $8
	I64Const $0xfe
	I64And
	I64Const $0xc2
	I64Ne
	FAILIF
	Get SP
	Get R3
	I64Store k+24(FP)
	Get SP
	Get R4
	I64Store hour+32(FP)
	Get SP
	Get R5
	I64Store weekday+40(FP)
	Get SP
	Get R7
	I64Store device_base+48(FP)
	Get SP
	Get R8
	I64Store device_len+56(FP)
	Get SP
	I64Const $1
	I64Store8 ok+64(FP)
	RET
