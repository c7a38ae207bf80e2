// Command broken does not compile, on purpose: wasmtest must report why.
package main

func main() {}

var notAnInt int = "forty-two"
