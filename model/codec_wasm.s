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
