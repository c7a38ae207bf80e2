package dapagg

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudflare/circl/vdaf/prio3/sumvec"

	"github.com/privrec/privrec/model/dap"
)

// Task is what every party of one DAP task agrees on (DAP-15, "Task Configuration"), plus the
// demo's measurement settings. It holds no secret. Its VDAF is fixed by the
// measurement layout (model/dap: Prio3SumVec, 11 entries of 8 bits). A Task
// is immutable once validated; share it freely.
type Task struct {
	ID            dap.TaskID `json:"-"`
	LayoutVersion int        `json:"layout_version"`
	// TimePrecision is the granularity of every report time, in seconds; a
	// day (86400) for the one-report-per-shopper-per-day layout.
	TimePrecision uint64 `json:"time_precision"`
	// Start and End bound task_interval: reports timed outside it are
	// rejected.
	Start uint64 `json:"task_start"`
	End   uint64 `json:"task_end"`
	// MinBatchSize is the fewest reports a batch may hold before either
	// aggregator releases its aggregate share.
	MinBatchSize uint64 `json:"min_batch_size"`
	// ControlShare is the share of shopper-days the device puts in the
	// control arm (popularity fallback); the SDK reads it, the aggregators
	// never see it.
	ControlShare float64 `json:"control_share"`
	// LeaderURL and HelperURL are the aggregators' API bases: absolute URLs,
	// or paths on the page's own origin (the demo's /dap/leader, /dap/helper).
	LeaderURL string `json:"leader"`
	HelperURL string `json:"helper"`
	// Collector is the collector's HPKE config; the aggregators seal their
	// aggregate shares to it.
	Collector dap.HpkeConfig `json:"collector_hpke_config"`
	// Noise is the differential-privacy noise each aggregator adds to its
	// aggregate share (zero: none). The collector reads it to widen its
	// intervals.
	Noise Noise `json:"noise"`
}

type taskJSON Task

// MarshalJSON writes the task id as unpadded base64url, as DAP's URLs do.
func (t Task) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID string `json:"task_id"`
		taskJSON
	}{t.ID.String(), taskJSON(t)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Task) UnmarshalJSON(b []byte) error {
	var v struct {
		ID string `json:"task_id"`
		taskJSON
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = Task(v.taskJSON)
	return parseTaskID(v.ID, &t.ID)
}

func parseTaskID(s string, id *dap.TaskID) error {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) != len(id) {
		return fmt.Errorf("task id %q: want 32 bytes in unpadded base64url", s)
	}
	copy(id[:], raw)
	return nil
}

// Validate checks the parameters a task cannot run without.
func (t *Task) Validate() error {
	switch {
	case t.LayoutVersion != dap.LayoutVersion:
		return fmt.Errorf("task: measurement layout v%d; this build speaks v%d (make a new task)", t.LayoutVersion, dap.LayoutVersion)
	case t.TimePrecision == 0:
		return errors.New("task: time_precision must be > 0 seconds")
	case t.Start%t.TimePrecision != 0 || t.End%t.TimePrecision != 0 || t.End <= t.Start:
		return fmt.Errorf("task: task interval [%d, %d) must be non-empty and aligned to time_precision %d", t.Start, t.End, t.TimePrecision)
	case t.MinBatchSize == 0:
		return errors.New("task: min_batch_size must be ≥ 1 (a batch of one report is that shopper's counters)")
	case t.ControlShare < 0 || t.ControlShare > 1:
		return fmt.Errorf("task: control_share %v must be in [0, 1]", t.ControlShare)
	case t.LeaderURL == "" || t.HelperURL == "":
		return errors.New("task: leader and helper URLs are required")
	case !t.Collector.Supported():
		return errors.New("task: the collector's HPKE config is not X25519/HKDF-SHA256/AES-128-GCM with a 32-byte key")
	}
	if err := t.Noise.Validate(); err != nil {
		return fmt.Errorf("task: %w", err)
	}
	return nil
}

// AggregatorSecrets are one aggregator's private task parameters.
type AggregatorSecrets struct {
	Hpke dap.HpkeKeyPair `json:"hpke"`
	// VerifyKey is the VDAF verification key; both aggregators hold the same
	// one (DAP-15, "Task Configuration"), and neither shares it with anyone else.
	VerifyKey []byte `json:"vdaf_verify_key"`
	// HelperToken authenticates the Leader to the Helper (bearer).
	HelperToken string `json:"helper_token"`
	// CollectorToken authenticates the Collector to the Leader (bearer);
	// the Helper has none.
	CollectorToken string `json:"collector_token,omitempty"`
}

func (s *AggregatorSecrets) verifyKey() (*sumvec.VerifyKey, error) {
	var k sumvec.VerifyKey
	if len(s.VerifyKey) != len(k) {
		return nil, fmt.Errorf("vdaf verify key: %d bytes, want %d", len(s.VerifyKey), len(k))
	}
	copy(k[:], s.VerifyKey)
	return &k, nil
}

// CollectorSecrets are the collector's private parameters.
type CollectorSecrets struct {
	Hpke           dap.HpkeKeyPair `json:"hpke"`
	CollectorToken string          `json:"collector_token"`
}

// Files of a task directory (privrec serve --measure DIR, privrec kpi
// --task-dir DIR). task.json is public; the others are secrets, written
// 0600. In a real deployment each file lives with its own party: the point
// of DAP is that no one holds both leader.json and helper.json.
const (
	TaskFile      = "task.json"
	LeaderFile    = "leader.json"
	HelperFile    = "helper.json"
	CollectorFile = "collector.json"
)

// TaskDir is a task with every party's secrets, as the demo keeps them in
// one directory.
type TaskDir struct {
	Task      Task
	Leader    AggregatorSecrets
	Helper    AggregatorSecrets
	Collector CollectorSecrets
}

// NewTaskDir draws a fresh task id, HPKE keys for the three parties, the
// shared VDAF verify key and the bearer tokens from crypto/rand.
func NewTaskDir(t Task) (*TaskDir, error) { return newTaskDir(t, rand.Reader) }

// newTaskDir is NewTaskDir drawing from r; tests pass a seeded reader to
// make a whole run reproducible.
func newTaskDir(t Task, r io.Reader) (*TaskDir, error) {
	if _, err := io.ReadFull(r, t.ID[:]); err != nil {
		return nil, err
	}
	t.LayoutVersion = dap.LayoutVersion
	var keys [3]dap.HpkeKeyPair
	for i := range keys {
		k, err := dap.GenerateHpkeKeyPair(uint8(i+1), r)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	t.Collector = keys[2].Config
	if err := t.Validate(); err != nil {
		return nil, err
	}
	vk := make([]byte, 32)
	var tokens [2][24]byte
	for _, b := range [][]byte{vk, tokens[0][:], tokens[1][:]} {
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
	}
	helperToken, collectorToken := base64.RawURLEncoding.EncodeToString(tokens[0][:]), base64.RawURLEncoding.EncodeToString(tokens[1][:])
	return &TaskDir{
		Task:      t,
		Leader:    AggregatorSecrets{Hpke: keys[0], VerifyKey: vk, HelperToken: helperToken, CollectorToken: collectorToken},
		Helper:    AggregatorSecrets{Hpke: keys[1], VerifyKey: vk, HelperToken: helperToken},
		Collector: CollectorSecrets{Hpke: keys[2], CollectorToken: collectorToken},
	}, nil
}

// Write stores the task directory; it refuses to overwrite an existing task
// (a new task id would orphan every report the old one collected).
func (d *TaskDir) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("task dir: %w", err)
	}
	files := []struct {
		name string
		v    any
		mode os.FileMode
	}{
		{TaskFile, &d.Task, 0o644}, {LeaderFile, &d.Leader, 0o600}, {HelperFile, &d.Helper, 0o600}, {CollectorFile, &d.Collector, 0o600},
	}
	for _, f := range files {
		b, err := json.MarshalIndent(f.v, "", "  ")
		if err != nil {
			return err
		}
		p := filepath.Join(dir, f.name)
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, f.mode)
		if err != nil {
			return fmt.Errorf("task dir: %w", err)
		}
		_, err = fh.Write(append(b, '\n'))
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("task dir: %w", err)
		}
	}
	return nil
}

// ErrNoTask is returned by ReadTask* when DIR holds no task.json.
var ErrNoTask = errors.New("no DAP task in directory")

// ReadTask reads DIR/task.json.
func ReadTask(dir string) (*Task, error) {
	var t Task
	if err := readJSON(dir, TaskFile, &t); err != nil {
		return nil, err
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, TaskFile), err)
	}
	return &t, nil
}

// ReadTaskDir reads the task and the secrets present in dir; a party whose
// file is missing is left zero, and the caller that needs it says so.
func ReadTaskDir(dir string) (*TaskDir, error) {
	t, err := ReadTask(dir)
	if err != nil {
		return nil, err
	}
	d := &TaskDir{Task: *t}
	for _, f := range []struct {
		name string
		v    any
	}{{LeaderFile, &d.Leader}, {HelperFile, &d.Helper}, {CollectorFile, &d.Collector}} {
		if err := readJSON(dir, f.name, f.v); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return d, nil
}

func readJSON(dir, name string, v any) error {
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && name == TaskFile {
			return fmt.Errorf("%w: %s is missing (privrec serve --measure %s creates it)", ErrNoTask, p, dir)
		}
		return err
	}
	dj := json.NewDecoder(strings.NewReader(string(b)))
	dj.DisallowUnknownFields()
	if err := dj.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}
