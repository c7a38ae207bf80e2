package main

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// pin keeps the calling goroutine on its OS thread and that thread on
// one CPU (the one it runs on when cpu < 0), so that node, started from
// this thread, inherits the same single CPU: both sides' samples then come
// from the same core. On a shared machine the two cores ran at different
// speeds for seconds at a time (the same native no-history request took
// 0.9 µs on one and 1.8 µs on the other), and with the sides on different
// cores the ratio swung from 1.5× to 4×; pinned, it stayed within 2.36–2.53×.
func pin(cpu int) (int, error) {
	runtime.LockOSThread()
	if cpu < 0 {
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(0, &set); err != nil {
			return 0, fmt.Errorf("pin: %w", err)
		}
		cpu = 0
		for c := range 1024 {
			if set.IsSet(c) {
				cpu = c
				break
			}
		}
	}
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return 0, fmt.Errorf("pin to CPU %d: %w", cpu, err)
	}
	return cpu, nil
}
