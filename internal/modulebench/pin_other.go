//go:build !linux

package main

import "errors"

// pin is Linux-only: elsewhere the two sides run where the system puts
// them.
func pin(int) (int, error) { return 0, errors.New("pinning to one CPU is Linux-only") }
