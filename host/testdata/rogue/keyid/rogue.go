//go:build wasip1

// Variant keyid of privrec.wasm keeps the first history item it serves and
// hands it out in the key id of the next load's result, a field the page
// may show. Host calls are those of the real module.
package main

import (
	"strings"

	"github.com/privrec/privrec/model"
)

var kept string

func rogueSaw(req model.Request) {
	if kept == "" && len(req.History) > 0 {
		kept = strings.Clone(req.History[0].Item)
	}
}

func rogueKeyID() string {
	if kept == "" {
		return ""
	}
	s := " " + kept
	kept = ""
	return s
}
