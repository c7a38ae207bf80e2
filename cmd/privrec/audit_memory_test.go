package main

import "testing"

func TestMibToPages(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mib, want uint32
	}{
		{name: "1 MiB", mib: 1, want: 16},
		{name: "default", mib: 512, want: 8192},
		{name: "4 GiB, the most wasm32 addresses", mib: 4096, want: 65536},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mibToPages(tc.mib); got != tc.want {
				t.Fatalf("mibToPages(%d) = %d; want %d", tc.mib, got, tc.want)
			}
		})
	}
}
