// Package browsertest drives the demo storefront of `privrec serve` in a
// real headless Chromium and checks DESIGN.md's privacy promise 4: during a
// full shopping session the network log holds only GETs of static files of
// the demo's own origin, none carrying history; every response carries a CSP
// whose connect-src is 'self'; no cookies; history sits in IndexedDB while
// consent is full and is gone once consent is off.
//
// The tests need /usr/bin/chromium (Debian: apt-get install -y chromium),
// the built SDK (js/dist: cd js && npm ci && npm run build) and the module
// (built from ./wasm with the Go toolchain); they skip with a message when one is
// missing. The package has no non-test code besides this comment.
package browsertest
