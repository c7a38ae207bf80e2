package web

import (
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
)

func TestSite(t *testing.T) {
	for _, name := range []string{"index.html", "app.js", "style.css", "favicon.svg"} {
		if _, err := fs.Stat(Site(), name); err != nil {
			t.Errorf("site lacks %s: %v", name, err)
		}
	}
}

// TestCSPCompatible checks the page against the server's CSP: no inline
// script or style (blocked by script-src/style-src 'self'), no resource
// from another origin, and no storage the SDK does not own but one note:
// that the shopper answered the consent banner (ASKED_KEY = "answered"), so
// a "No thanks" stays answered; it holds nothing about what they look at.
func TestCSPCompatible(t *testing.T) {
	// Exact uses taken out of a file before its pattern is matched.
	allowed := map[string][]string{
		"localStorage": {"localStorage.getItem(ASKED_KEY) === 'answered'", "localStorage.setItem(ASKED_KEY, 'answered')"},
	}
	for _, tc := range []struct {
		name    string
		file    string
		pattern string
	}{
		{"inline script", "index.html", `<script>|<script\s(?:[^s>]|s[^r])*>`},
		{"inline style element", "index.html", `<style`},
		{"style attribute", "index.html", `\sstyle=`},
		{"inline handler", "index.html", `\son[a-z]+=`},
		{"other origin in page", "index.html", `(?:src|href)="(?:https?:)?//`},
		{"other origin in script", "app.js", `https?://`},
		{"localStorage", "app.js", `localStorage|sessionStorage|document\.cookie`},
		{"innerHTML", "app.js", `innerHTML|outerHTML|insertAdjacentHTML|document\.write`},
		{"eval", "app.js", `\beval\(|new Function`},
		{"POST", "app.js", `method:|sendBeacon|XMLHttpRequest|WebSocket|EventSource`},
		{"import from elsewhere", "app.js", `from '(?:[^/]|//)`},
		{"import outside the SDK", "app.js", `from '/(?:[^s]|s[^d])`},
		{"external css", "style.css", `@import|url\(`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := fs.ReadFile(Site(), tc.file)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range allowed[tc.name] {
				if !strings.Contains(string(b), a) {
					t.Errorf("%s lacks the allowed use %q; update the test", tc.file, a)
				}
				b = []byte(strings.ReplaceAll(string(b), a, ""))
			}
			if m := regexp.MustCompile(tc.pattern).Find(b); m != nil {
				t.Errorf("%s has %q", tc.file, m)
			}
		})
	}
}

func TestGenerated(t *testing.T) {
	// A plain checkout embeds neither; a make demo build embeds both. Either
	// way the errors say what to do.
	if _, err := SDK(); err != nil && (!errors.Is(err, model.ErrMissingArtifact) || !strings.Contains(err.Error(), "make demo")) {
		t.Errorf("SDK: %v", err)
	}
	if _, err := Module(); err != nil && (!errors.Is(err, model.ErrMissingArtifact) || !strings.Contains(err.Error(), "make demo")) {
		t.Errorf("Module: %v", err)
	}
}
