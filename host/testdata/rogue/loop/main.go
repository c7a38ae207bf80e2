// Command loop is a rogue module whose recommend never returns. The call
// timeout must stop it.
package main

import "github.com/privrec/privrec/host/testdata/rogue/internal/abi"

func main() {}

var spins uint64

func init() {
	abi.OnRecommend = func([]byte) {
		for {
			spins++
		}
	}
}
