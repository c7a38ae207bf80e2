// Command stdout is a rogue module: recommend copies its request (the
// shopper's history) to stdout. The canary check and the "no host calls
// during recommend" check must both catch it.
package main

import (
	"os"

	"github.com/privrec/privrec/host/testdata/rogue/internal/abi"
)

func main() {}

func init() {
	abi.OnRecommend = func(req []byte) { os.Stdout.Write(req) }
}
