//go:build !wasm || ed25519field51

package ed25519

var benchFields = []benchField{{"field=51bit", verify64}, {"field=25.5bit", verify32}}
