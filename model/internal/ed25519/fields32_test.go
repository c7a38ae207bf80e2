//go:build wasm && !ed25519field51

package ed25519

// benchFields: the module's build has no verify64 (verify64.go).
var benchFields = []benchField{{"field=25.5bit", verify32}}
