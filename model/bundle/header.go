package bundle

import "github.com/privrec/privrec/model"

// artifactBundleID returns the bundle id a weights or catalog artifact names
// in its header, reading only the header (safe on unverified bytes).
func artifactBundleID(data []byte) ([16]byte, bool) {
	h, err := model.PeekHeader(data)
	if err != nil {
		return [16]byte{}, false
	}
	return h.BundleID, true
}
