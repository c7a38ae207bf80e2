package wire

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Sprintf is the small subset of fmt.Sprintf that privrec's error messages
// use, so that the module links neither fmt nor, through it, reflect: the
// verbs %v %d %s %q %x %w (as %v) and %%, with the flags '#' and '0' and a
// width, on strings, byte slices and arrays of 8, 16 or 32 bytes, integers,
// floats, bools, errors and Stringers. Any other operand prints as
// "%!v(?)"; a missing one as "%!v(MISSING)", as fmt would.
//
// The outputs equal fmt.Sprintf's for these operands and verbs (the tests
// compare them) with two simplifications: %v on a float prints at most six
// significant digits (fmt prints the shortest exact form), and %q escapes
// only control characters, quotes, backslashes and invalid UTF-8 (fmt also
// escapes unprintable runes), which keeps strconv's Unicode tables out of
// the module.
func Sprintf(format string, args ...any) string {
	b := make([]byte, 0, len(format)+16*len(args))
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		i++
		sharp, zero, width := false, false, 0
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '#':
				sharp = true
			case '0':
				zero = true
			default:
				break flags
			}
		}
		for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
			width = width*10 + int(format[i]-'0')
		}
		if i >= len(format) {
			b = append(b, "%!(NOVERB)"...)
			break
		}
		verb := format[i]
		if verb == '%' {
			b = append(b, '%')
			continue
		}
		if next >= len(args) {
			b = append(b, '%', '!', verb)
			b = append(b, "(MISSING)"...)
			continue
		}
		s := formatArg(args[next], verb, sharp)
		next++
		for n := utf8.RuneCountInString(s); n < width; n++ {
			if zero {
				b = append(b, '0')
			} else {
				b = append(b, ' ')
			}
		}
		b = append(b, s...)
	}
	return string(b)
}

func formatArg(a any, verb byte, sharp bool) string {
	switch v := a.(type) {
	case string:
		return formatString(v, verb, sharp)
	case []byte:
		if verb == 'x' {
			return hexBytes(v, sharp)
		}
		return formatString(string(v), verb, sharp)
	case [8]byte:
		return formatArg(v[:], verb, sharp)
	case [16]byte:
		return formatArg(v[:], verb, sharp)
	case [32]byte:
		return formatArg(v[:], verb, sharp)
	case int:
		return formatInt(int64(v), verb, sharp)
	case int8:
		return formatInt(int64(v), verb, sharp)
	case int16:
		return formatInt(int64(v), verb, sharp)
	case int32:
		return formatInt(int64(v), verb, sharp)
	case int64:
		return formatInt(v, verb, sharp)
	case uint:
		return formatUint(uint64(v), verb, sharp)
	case uint8:
		return formatUint(uint64(v), verb, sharp)
	case uint16:
		return formatUint(uint64(v), verb, sharp)
	case uint32:
		return formatUint(uint64(v), verb, sharp)
	case uint64:
		return formatUint(v, verb, sharp)
	case float64:
		if verb == 'v' {
			return FormatFloat(v)
		}
	case float32:
		if verb == 'v' {
			return FormatFloat(float64(v))
		}
	case bool:
		if verb == 'v' {
			return strconv.FormatBool(v)
		}
	case error:
		return formatString(v.Error(), verb, sharp)
	case interface{ String() string }:
		return formatString(v.String(), verb, sharp)
	case nil:
		return "%!" + string(verb) + "(<nil>)"
	}
	return "%!" + string(verb) + "(?)"
}

func formatString(s string, verb byte, sharp bool) string {
	switch verb {
	case 'q':
		return quote(s)
	case 'x':
		return hexBytes([]byte(s), sharp)
	}
	return s
}

func formatInt(v int64, verb byte, sharp bool) string {
	if verb == 'x' {
		if v < 0 {
			return "-" + formatUint(uint64(-v), verb, sharp)
		}
		return formatUint(uint64(v), verb, sharp)
	}
	return strconv.FormatInt(v, 10)
}

func formatUint(v uint64, verb byte, sharp bool) string {
	if verb == 'x' {
		if sharp {
			return "0x" + strconv.FormatUint(v, 16)
		}
		return strconv.FormatUint(v, 16)
	}
	return strconv.FormatUint(v, 10)
}

const hexDigits = "0123456789abcdef"

func hexBytes(b []byte, sharp bool) string {
	out := make([]byte, 0, 2+2*len(b))
	if sharp && len(b) > 0 {
		out = append(out, "0x"...)
	}
	for _, c := range b {
		out = append(out, hexDigits[c>>4], hexDigits[c&0x0f])
	}
	return string(out)
}

// Errorf is fmt.Errorf on Sprintf: every %w operand (an error) is printed
// like %v and wrapped, so errors.Is and errors.As see through it.
func Errorf(format string, args ...any) error {
	e := &wrapError{msg: Sprintf(format, args...)}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && (format[j] == '#' || format[j] == '0' || format[j] >= '1' && format[j] <= '9') {
			j++
		}
		if j < len(format) && format[j] == '%' {
			i = j
			continue
		}
		e.n++
		if j < len(format) && format[j] == 'w' && e.n-1 < len(args) {
			if err, ok := args[e.n-1].(error); ok {
				e.errs = append(e.errs, err)
			}
		}
		i = j
	}
	if len(e.errs) == 0 {
		return errors.New(e.msg)
	}
	return e
}

type wrapError struct {
	msg  string
	errs []error
	n    int // operands consumed while scanning the format
}

func (e *wrapError) Error() string   { return e.msg }
func (e *wrapError) Unwrap() []error { return e.errs }

// quote is strconv.Quote for the strings of error messages (see Sprintf).
func quote(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0x0f])
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c < 0x20 || c == 0x7f {
				b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0x0f])
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return string(append(b, '"'))
}

// FormatFloat is %g of a float64 with at most six significant digits
// (fmt's %.6g). It is strconv's: since Go 1.26 the runtime prints floats
// with the same code (internal/strconv), so the module links it anyway;
// the hand-rolled version this replaced was 7 KiB of wasm of its own and
// could round a near-tie's last digit the other way.
func FormatFloat(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
func utoa(n uint64) string  { return strconv.FormatUint(n, 10) }
func hexByte(c byte) string { return "0x" + string(hexDigits[c>>4]) + string(hexDigits[c&0x0f]) }
