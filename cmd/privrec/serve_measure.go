package main

import (
	"fmt"
	"os"

	"github.com/privrec/privrec/internal/dapagg"
	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/web"
)

// pageMeasurement is what the demo page needs to measure into the task of
// d: the task (written into the page config, so a page served without
// --measure makes no request to learn that measurement is off) and the
// measure module, embedded (make demo) or read from path.
func pageMeasurement(d *dapagg.TaskDir, path string) (*server.Measurement, error) {
	mod, err := web.MeasureModule()
	if err != nil {
		if mod, err = os.ReadFile(path); err != nil {
			return nil, fail(exitIOError, fmt.Errorf("serve: --measure: no measure module: this binary has none embedded and %w; run 'make measure-wasm' (or make demo), or pass --measure-wasm", err))
		}
	}
	return &server.Measurement{TaskID: d.Task.ID.String(), Leader: d.Task.LeaderURL + "/", Helper: d.Task.HelperURL + "/",
		TimePrecision: d.Task.TimePrecision, ControlShare: d.Task.ControlShare, Module: mod}, nil
}
