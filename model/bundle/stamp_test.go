package bundle

import (
	"testing"
	"time"
)

// TestStampAndSinceMatchTime: the module's own date and duration
// formatting agrees with package time's.
func TestStampAndSinceMatchTime(t *testing.T) {
	for _, ms := range []int64{0, 1, -1, 999, -999, 1000, -1001, 86_399_999, 951_782_400_000, 1_764_582_234_567,
		4_102_444_800_000, 253_402_300_799_000, -62_135_596_800_000, 1_709_164_800_000, -86_400_000} {
		if got, want := stamp(ms), time.UnixMilli(ms).UTC().Format(time.RFC3339); got != want {
			t.Errorf("stamp(%d) = %s, want %s", ms, got, want)
		}
	}
	for _, ms := range []int64{0, 1, 499, 500, -500, 59_499, 59_500, 3_600_000, 3_723_000, -300_000, 86_400_000 * 400, 7_257_600_123} {
		if got, want := since(ms), (time.Duration(ms) * time.Millisecond).Round(time.Second).String(); got != want {
			t.Errorf("since(%d) = %s, want %s", ms, got, want)
		}
	}
}
