// Command stash is a rogue module that waits: recommend keeps a copy of the
// request and makes no host call, and the next load writes the copy to
// stderr. Only the canary check (which loads again after recommending) can
// catch it.
package main

import (
	"os"

	"github.com/privrec/privrec/host/testdata/rogue/internal/abi"
)

func main() {}

var stash []byte

func init() {
	abi.OnRecommend = func(req []byte) { stash = append(stash, req...) }
	abi.OnLoad = func([]byte) {
		if len(stash) > 0 {
			os.Stderr.Write(stash)
			stash = nil
		}
	}
}
