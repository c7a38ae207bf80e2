package wire

import (
	"encoding/binary"
	"fmt"
)

// Check walks the first MessagePack value in b without decoding it and
// fails unless every array and map header claims no more elements than
// bytes remain, nesting stays within maxDepth, and all arrays together
// claim at most maxElems elements.
//
// It exists because msgpack.Unmarshal trusts array headers: v5.4.1 makes
// a slice of the claimed length before reading any element, so five bytes
// can ask for gigabytes, and it skips unknown fields recursively, so deep
// nesting can exhaust the stack. After Check succeeds, what Unmarshal
// allocates for slices is bounded by maxElems elements, and its recursion
// by maxDepth. Trailing bytes after the value are not examined (Unmarshal
// ignores them too). Errors wrap ErrFormat, or ErrLimit for maxDepth and
// maxElems.
func Check(b []byte, maxDepth, maxElems int) error {
	// pending[d] is how many values are still to be read at depth d.
	pending := []int{1}
	elems := 0
	p := 0
	for len(pending) > 0 {
		top := len(pending) - 1
		if pending[top] == 0 {
			pending = pending[:top]
			continue
		}
		pending[top]--
		if p >= len(b) {
			return fmt.Errorf("check document: %w: truncated at byte %d", ErrFormat, p)
		}
		c := b[p]
		p++
		skip, children, isArray := 0, 0, false
		switch {
		case c <= 0x7f || c >= 0xe0, c == 0xc0, c == 0xc2, c == 0xc3:
		case c >= 0x80 && c <= 0x8f:
			children = 2 * int(c&0x0f)
		case c >= 0x90 && c <= 0x9f:
			children, isArray = int(c&0x0f), true
		case c >= 0xa0 && c <= 0xbf:
			skip = int(c & 0x1f)
		case c == 0xc4, c == 0xd9: // bin8, str8
			n, ok := readLen(b, &p, 1)
			if !ok {
				return truncated(p)
			}
			skip = n
		case c == 0xc5, c == 0xda: // bin16, str16
			n, ok := readLen(b, &p, 2)
			if !ok {
				return truncated(p)
			}
			skip = n
		case c == 0xc6, c == 0xdb: // bin32, str32
			n, ok := readLen(b, &p, 4)
			if !ok {
				return truncated(p)
			}
			skip = n
		case c == 0xc7, c == 0xc8, c == 0xc9: // ext8/16/32: length, type, data
			n, ok := readLen(b, &p, 1<<(c-0xc7))
			if !ok {
				return truncated(p)
			}
			skip = n + 1
		case c == 0xca: // float32
			skip = 4
		case c == 0xcb: // float64
			skip = 8
		case c >= 0xcc && c <= 0xcf: // uint8..64
			skip = 1 << (c - 0xcc)
		case c >= 0xd0 && c <= 0xd3: // int8..64
			skip = 1 << (c - 0xd0)
		case c >= 0xd4 && c <= 0xd8: // fixext1..16: type, data
			skip = 1 + 1<<(c-0xd4)
		case c == 0xdc, c == 0xde: // array16, map16
			n, ok := readLen(b, &p, 2)
			if !ok {
				return truncated(p)
			}
			children, isArray = n, c == 0xdc
			if !isArray {
				children = 2 * n
			}
		case c == 0xdd, c == 0xdf: // array32, map32
			n, ok := readLen(b, &p, 4)
			if !ok {
				return truncated(p)
			}
			children, isArray = n, c == 0xdd
			if !isArray {
				children = 2 * n
			}
		default: // 0xc1 is never used
			return fmt.Errorf("check document: %w: code %#x at byte %d", ErrFormat, c, p-1)
		}
		if skip > len(b)-p {
			return truncated(p)
		}
		p += skip
		if children == 0 {
			continue
		}
		// Every element takes at least one byte.
		if children > len(b)-p {
			return fmt.Errorf("check document: %w: %d elements claimed at byte %d but only %d bytes left", ErrFormat, children, p, len(b)-p)
		}
		if isArray {
			if elems += children; elems > maxElems {
				return fmt.Errorf("check document: %w: more than %d array elements", ErrLimit, maxElems)
			}
		}
		if len(pending) >= maxDepth {
			return fmt.Errorf("check document: %w: nested deeper than %d", ErrLimit, maxDepth)
		}
		pending = append(pending, children)
	}
	return nil
}

// readLen reads a big-endian length of size bytes at *p.
func readLen(b []byte, p *int, size int) (int, bool) {
	if size > len(b)-*p {
		return 0, false
	}
	var n uint64
	switch size {
	case 1:
		n = uint64(b[*p])
	case 2:
		n = uint64(binary.BigEndian.Uint16(b[*p:]))
	case 4:
		n = uint64(binary.BigEndian.Uint32(b[*p:]))
	}
	*p += size
	return int(n), true
}

func truncated(p int) error {
	return fmt.Errorf("check document: %w: truncated at byte %d", ErrFormat, p)
}
