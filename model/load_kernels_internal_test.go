package model

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The load's kernels (items_wasm.s, catalog_wasm.s catalogRun,
// sort_wasm.s popKeys and lanes2) against their contracts
// written plainly: natively these test the Go twins, and `make v8test`
// runs them on the assembly in V8.

// corpusIDs returns n distinct ids, ascending, of one of the shapes the
// load meets: stock codes (5–6 bytes), ids about 8 bytes long over a
// two-letter alphabet (shared 8-byte prefixes, ids that are prefixes of
// others), bytes 0x00 and 0xff (keys padded with zeros), URLs (one long
// shared prefix), and ids of 200–256 bytes.
func corpusIDs(rng *rand.Rand, shape, n int) []string {
	seen := map[string]bool{}
	var ids []string
	for tries := 0; len(ids) < n && tries < 50*n+100; tries++ {
		var id string
		switch shape % 5 {
		case 0:
			id = itoa(10000 + rng.IntN(90000))
			if rng.IntN(3) == 0 {
				id += string(rune('A' + rng.IntN(4)))
			}
		case 1:
			b := make([]byte, 1+rng.IntN(11))
			for j := range b {
				b[j] = "ab"[rng.IntN(2)]
			}
			id = string(b)
		case 2:
			b := make([]byte, 1+rng.IntN(12))
			for j := range b {
				b[j] = "\x00a\xff"[rng.IntN(3)]
			}
			id = string(b)
		case 3:
			id = "https://shop.example/p/" + itoa(rng.IntN(5*n+1))
		case 4:
			b := make([]byte, 200+rng.IntN(MaxIDLen-199))
			for j := range b {
				b[j] = 'a'
			}
			for range 3 {
				b[rng.IntN(len(b))] = byte('a' + rng.IntN(3))
			}
			id = string(b)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// idTable packs ids as a weights artifact does: the bytes back to back
// and each end as a little-endian uint32.
func idTable(ids []string) (b, ends []byte) {
	for _, id := range ids {
		b = append(b, id...)
		ends = binary.LittleEndian.AppendUint32(ends, uint32(len(b)))
	}
	return b, ends
}

// refItemsScan is itemsScan's contract written plainly: string order and
// prefixKey.
func refItemsScan(ids, idEnd []byte, off []uint32, keys []uint64) int {
	n := min(len(keys), len(idEnd)/4, len(off)-1)
	start, prevStart := 0, 0
	for i := 0; i < n; i++ {
		end := int(binary.LittleEndian.Uint32(idEnd[4*i:]))
		if end <= start || end > len(ids) || end-start > MaxIDLen || start+8 > len(ids) {
			return i
		}
		if i > 0 && string(ids[prevStart:start]) >= string(ids[start:end]) {
			return i
		}
		off[i+1], keys[i] = uint32(end), prefixKey(ids[start:end])
		prevStart, start = start, end
	}
	return max(n, 0)
}

// TestItemsScan compares itemsScan with refItemsScan on id tables of
// every shape, whole and with an end or an id byte changed, the ids cut
// short (the last ids' keys then need the bytes past the table), and the
// output slices shorter than the table.
func TestItemsScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	full, stopped := 0, 0
	for trial := 0; trial < 3000; trial++ {
		ids, ends := idTable(corpusIDs(rng, trial, 1+rng.IntN(40)))
		n := len(ends) / 4
		switch rng.IntN(6) {
		case 0: // an end moved
			i := rng.IntN(n)
			e := binary.LittleEndian.Uint32(ends[4*i:])
			binary.LittleEndian.PutUint32(ends[4*i:], e+uint32(rng.IntN(7))-3)
		case 1: // an id byte moved by one (order)
			ids[rng.IntN(len(ids))] += byte(rng.IntN(3)) - 1
		case 2: // an end far off, or one id too long
			binary.LittleEndian.PutUint32(ends[4*rng.IntN(n):], []uint32{0, math.MaxUint32, uint32(len(ids) + 1), MaxIDLen + 1}[rng.IntN(4)])
		case 3: // the ids cut short
			ids = ids[:rng.IntN(len(ids)+1)]
		}
		nk, no := n, n+1
		if rng.IntN(8) == 0 {
			nk, no = rng.IntN(n+1), rng.IntN(n+2)
		}
		off, wantOff := make([]uint32, no), make([]uint32, no)
		keys, wantKeys := make([]uint64, nk), make([]uint64, nk)
		for i := range off {
			off[i], wantOff[i] = 0xdeadbeef, 0xdeadbeef
		}
		for i := range keys {
			keys[i], wantKeys[i] = 0x5555, 0x5555
		}
		in := ends[:4*n-4*rng.IntN(2)*min(n, 1)]
		got, want := itemsScan(ids, in, off, keys), refItemsScan(ids, in, wantOff, wantKeys)
		if got != want || !slices.Equal(off, wantOff) || !slices.Equal(keys, wantKeys) {
			t.Fatalf("trial %d: itemsScan = %d, off %v, keys %x; want %d, %v, %x", trial, got, off, keys, want, wantOff, wantKeys)
		}
		if want == min(nk, len(in)/4, no-1) && want > 0 {
			full++
		} else {
			stopped++
		}
	}
	if full < 500 || stopped < 500 {
		t.Fatalf("%d tables taken whole, %d stopped: the trials miss a path", full, stopped)
	}
}

// refCatalogRun is catalogRun's contract written plainly, on
// refCatalogScan.
func refCatalogRun(b []byte, p, left int, ids []byte, idOff []uint32, available []bool, catOf []uint32, cat []byte, num, next int) (done, q, nextOut int) {
	for done < left && next < len(available) && next+1 < len(idOff) {
		is, ie, cs, ce, end := refCatalogScan(b, p, MaxIDLen, maxTitleLen, maxTagLen)
		if end < 0 || ie == is || available[next] {
			break
		}
		s, e := int(idOff[next]), int(idOff[next+1])
		if s > e || e > len(ids) || string(ids[s:e]) != string(b[is:ie]) {
			break
		}
		if ce > cs {
			if next >= len(catOf) || len(cat) == 0 || string(b[cs:ce]) != string(cat) {
				break
			}
			catOf[next] = uint32(num)
		}
		available[next] = true
		done, next, p = done+1, next+1, end
	}
	return done, p, next
}

// TestCatalogRun compares catalogRun with refCatalogRun on catalogs of
// usual items over a model's ids: in the model's order or not, with ids
// the model lacks, items already available, categories equal to the one
// given or not (fixstr and str8, 1–40 bytes), with and without catOf,
// items of other encodings and damaged bytes among them, inconsistent
// offsets, and every left.
func TestCatalogRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	str := func(b []byte, s string) []byte {
		if len(s) < 32 && rng.IntN(4) > 0 {
			b = append(b, 0xa0|byte(len(s)))
		} else {
			b = append(b, 0xd9, byte(len(s)))
		}
		return append(b, s...)
	}
	word := func(n int) string {
		c := make([]byte, n)
		for j := range c {
			c[j] = byte('a' + rng.IntN(3))
		}
		return string(c)
	}
	runs, applied := 0, 0 // applied: runs of 3 items or more
	for trial := 0; trial < 2000; trial++ {
		model := corpusIDs(rng, trial, 1+rng.IntN(30))
		ids, ends := idTable(model)
		n := len(model)
		idOff := make([]uint32, n+1)
		for i := range n {
			idOff[i+1] = binary.LittleEndian.Uint32(ends[4*i:])
		}
		messy := rng.IntN(2) == 0      // else a clean run, mostly taken whole
		if messy && rng.IntN(5) == 0 { // offsets that do not fit the ids
			idOff[1+rng.IntN(n)] = []uint32{0, uint32(len(ids) + 1), math.MaxUint32}[rng.IntN(3)]
		}
		cat := []byte(word(1 + rng.IntN(40)))
		if messy && rng.IntN(3) == 0 {
			cat = nil
		}
		b := []byte{0xc0} // not an item
		start := 1
		next := rng.IntN(n)
		if rng.IntN(2) == 0 {
			next = 0
		}
		for j := next; j < n+3; j++ {
			b = append(b, 0x95)
			id := ""
			switch {
			case j < n && rng.IntN(30) > 0:
				id = model[j]
			case rng.IntN(2) == 0:
				id = model[rng.IntN(n)]
			default:
				id = word(rng.IntN(9))
			}
			if len(id) > 255 {
				id = id[:255]
			}
			b = str(b, id)
			b = str(b, word([]int{0, 5, 31, 32, 255}[rng.IntN(5)]))
			b = binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits([]float64{1.5, 0, math.NaN(), math.Inf(-1)}[max(0, rng.IntN(42)-38)]))
			switch rng.IntN(20) {
			case 0, 1, 2, 3, 4, 5, 6, 7:
				b = str(b, "")
			case 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18:
				b = str(b, string(cat))
			default:
				b = str(b, word(1+rng.IntN(40)))
			}
			nt := []int{0, 0, 0, 0, 1, 2, 15}[rng.IntN(7)]
			b = append(b, 0x90|byte(nt))
			for range nt {
				l := rng.IntN(maxTagLen + 1)
				if rng.IntN(200) == 0 {
					l = maxTagLen + 1
				}
				b = str(b, word(l))
			}
		}
		if messy && rng.IntN(2) == 0 {
			b[start+rng.IntN(len(b)-start)] = byte(rng.IntN(256))
		}
		avail0 := make([]bool, n)
		for i := range avail0 {
			if messy && rng.IntN(20) == 0 {
				avail0[i] = true
			}
		}
		var catOf0 []uint32
		if !messy || rng.IntN(3) > 0 {
			catOf0 = make([]uint32, n)
		}
		left := n + 3
		if messy {
			left = []int{n + 3, rng.IntN(n + 3), 0}[rng.IntN(3)]
		}
		// Whole, cut anywhere, and cut one byte short of where the whole
		// run ends (the bytes past the end then are an item's).
		_, end, _ := refCatalogRun(b, start, left, ids, idOff, slices.Clone(avail0), slices.Clone(catOf0), cat, 7, next)
		for _, in := range [][]byte{b, b[:rng.IntN(len(b)+1)], b[:max(start, end-1)]} {
			available, wantAvail := slices.Clone(avail0), slices.Clone(avail0)
			catOf, wantCatOf := slices.Clone(catOf0), slices.Clone(catOf0)
			done, q, nx := catalogRun(in, start, left, ids, idOff, available, catOf, cat, 7, next)
			wd, wq, wnx := refCatalogRun(in, start, left, ids, idOff, wantAvail, wantCatOf, cat, 7, next)
			if done != wd || q != wq || nx != wnx || !slices.Equal(available, wantAvail) || !slices.Equal(catOf, wantCatOf) {
				t.Fatalf("trial %d: catalogRun = %d %d %d, available %v, catOf %v; want %d %d %d, %v, %v", trial, done, q, nx, available, catOf, wd, wq, wnx, wantAvail, wantCatOf)
			}
			runs++
			if done >= 3 {
				applied++
			}
		}
	}
	if applied < runs/8 {
		t.Fatalf("%d of %d runs applied 3 items or more: the trials do not reach the applying path", applied, runs)
	}
}

// TestPopKeys compares popKeys with popKey, item by item: signed zeros,
// infinities, NaNs of either sign, subnormals and random bits, with keys
// shorter and longer than the scores.
func TestPopKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	special := []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x00000001, 0x80000001, 0x3f800000, 0xbf800000, 0x7f7fffff}
	for trial := 0; trial < 2000; trial++ {
		pop := make([]float32, trial%37)
		nan := false
		for i := range pop {
			bits := rng.Uint32()
			if rng.IntN(2) == 0 {
				bits = special[rng.IntN(len(special))]
			} else if rng.IntN(3) > 0 {
				bits &^= 0x40000000 // mostly finite
			}
			pop[i] = math.Float32frombits(bits)
		}
		nk := len(pop) + rng.IntN(3) - 1
		if nk < 0 {
			nk = 0
		}
		keys := make([]uint64, nk)
		want := slices.Repeat([]uint64{7}, nk)
		for i := range min(len(pop), nk) {
			want[i] = popKey(pop[i], int32(i))
			nan = nan || pop[i] != pop[i]
		}
		for i := range keys {
			keys[i] = 7
		}
		if got := popKeys(pop, keys); got != nan || !slices.Equal(keys, want) {
			t.Fatalf("trial %d: popKeys(%v) = %v, %x; want %v, %x", trial, pop, got, keys, nan, want)
		}
	}
}

// TestLanes2 compares lanes2 with its formula over every word, on every
// length up to 12 words (the four-word turns and the tail) and the k
// of every n.
func TestLanes2(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	const lanes = 0x0000ffff0000ffff
	for trial := 0; trial < 3000; trial++ {
		cols := make([]byte, 8*(trial%13)+rng.IntN(8))
		for i := range cols {
			cols[i] = byte(rng.IntN(256))
		}
		k := uint64(1<<31-(1+rng.IntN(1<<16))) * 0x0000000100000001
		var want uint64
		for i := 0; i+8 <= len(cols); i += 8 {
			v := binary.LittleEndian.Uint64(cols[i:])
			want |= (v&lanes + k) | (v>>16&lanes + k)
		}
		if got := lanes2(cols[:len(cols)&^7], k); got != want {
			t.Fatalf("trial %d: lanes2 = %x, want %x", trial, got, want)
		}
	}
}
