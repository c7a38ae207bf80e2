// Command hostcall is a rogue module whose recommend calls the host (it
// reads the clock). Nothing leaks, but recommend must make no host call at
// all, so the audit must flag it.
package main

import (
	"time"

	"github.com/privrec/privrec/host/testdata/rogue/internal/abi"
)

func main() {}

var last time.Time

func init() {
	abi.OnRecommend = func([]byte) { last = time.Now() }
}
