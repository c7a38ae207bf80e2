// Command hog is a rogue module whose recommend allocates without bound.
// The memory limit must stop it.
package main

import "github.com/privrec/privrec/host/testdata/rogue/internal/abi"

func main() {}

var hoard [][]byte

func init() {
	abi.OnRecommend = func([]byte) {
		for {
			b := make([]byte, 4<<20)
			b[len(b)-1] = 1
			hoard = append(hoard, b)
		}
	}
}
