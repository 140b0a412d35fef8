// Package distributed runs one load test from several pods: a Kubernetes
// Indexed Job whose workers each send their share of the load from inside
// the cluster, all starting at the same instant, whose lossless results the
// coordinator collects from the workers' logs, merges, and judges once.
//
// Workers need no access to the API: the spec is in their environment and
// the result goes to their standard output, so their pods run without a
// service-account token, as a non-root user, on a read-only filesystem.
package distributed

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/lbctl/lbctl/loadtest"
)

// Spec is what every worker runs: the same targets and engine settings,
// each at its share of the load, all starting at StartAt.
type Spec struct {
	// Workers is how many workers share the load.
	Workers int `json:"workers"`
	// StartAt is when every worker starts sending: the start barrier.
	StartAt time.Time `json:"startAt"`
	// Late is how long after StartAt a worker may still start; a later one
	// fails instead of skewing the merged result.
	Late    time.Duration     `json:"lateNs"`
	Targets []loadtest.Target `json:"targets"`
	// Shape is one worker's share of the load.
	Shape  *loadtest.Shape `json:"shape"`
	Engine Engine          `json:"engine"`

	// secrets are the targets' secret headers (loadtest.SecretHeaders),
	// by target index: kept out of the spec, which the Job's pod template
	// carries in clear, they reach the workers through a Secret
	// (SecretData, AddSecrets).
	secrets map[int]http.Header
}

// Engine are the engine settings workers use (those of loadtest.Options
// that are data, not functions).
type Engine struct {
	Workers    uint64                    `json:"workers"`
	MaxWorkers uint64                    `json:"maxWorkers"`
	Transport  loadtest.TransportOptions `json:"transport"`
	Redirects  int                       `json:"redirects"`
	Resolve    []loadtest.ResolveEntry   `json:"resolve,omitempty"`
	DNSTTL     time.Duration             `json:"dnsTTLNs"`
	PodHeader  string                    `json:"podHeader"`
	// SecretHeaders are the extra secret header names (--secret-header).
	SecretHeaders []string `json:"secretHeaders,omitempty"`
	CoarsePacing  bool     `json:"coarsePacing,omitempty"`
	Version       string   `json:"version,omitempty"`
}

// maxSpecBytes bounds the spec, which travels in the pod template's
// environment (the API server stores objects up to 1.5 MB).
const maxSpecBytes = 256 << 10

// NewSpec makes the workers' spec from the options of a single-process
// run: n workers, each at 1/n of the rate (or unpaced when o is), the
// per-process worker bounds divided likewise.
func NewSpec(o loadtest.Options, n int, startAt time.Time, late time.Duration) (*Spec, error) {
	if n < 1 {
		return nil, fmt.Errorf("--workers %d: want at least 1", n)
	}
	if o.Shape == nil {
		return nil, fmt.Errorf("no load shape")
	}
	sh, err := loadtest.NewSecretHeaders(o.SecretHeaders)
	if err != nil {
		return nil, err
	}
	e := Engine{
		Workers: o.Workers, MaxWorkers: o.MaxWorkers, Transport: o.Transport, Redirects: o.Redirects,
		Resolve: o.Resolve, DNSTTL: o.DNSTTL, PodHeader: o.PodHeader, SecretHeaders: o.SecretHeaders,
		CoarsePacing: o.CoarsePacing, Version: o.Version,
	}
	if e.MaxWorkers > 0 {
		e.MaxWorkers = max(1, (e.MaxWorkers+uint64(n)-1)/uint64(n))
	}
	targets, secrets := sh.Split(o.Targets)
	return &Spec{Workers: n, StartAt: startAt.UTC(), Late: late, Targets: targets, Shape: Share(o.Shape, n), Engine: e, secrets: secrets}, nil
}

// SecretData is what the run's Secret holds: the targets' secret headers
// as JSON (nil when there is none, and no Secret is needed).
func (s *Spec) SecretData() ([]byte, error) {
	if len(s.secrets) == 0 {
		return nil, nil
	}
	return json.Marshal(s.secrets)
}

// AddSecrets adds back to the spec's targets the secret headers a worker
// finds in its environment (EnvSecrets: SecretData, from the Secret).
func (s *Spec) AddSecrets(data string) error {
	if data == "" {
		return nil
	}
	var secrets map[int]http.Header
	if err := json.Unmarshal([]byte(data), &secrets); err != nil {
		return fmt.Errorf("%s: %w", EnvSecrets, err)
	}
	if err := loadtest.JoinSecrets(s.Targets, secrets); err != nil {
		return fmt.Errorf("%s: %w", EnvSecrets, err)
	}
	return nil
}

// Share is one of n equal shares of a shape: every stage's rate divided by
// n, durations and warm-up unchanged. An unpaced shape stays unpaced.
func Share(s *loadtest.Shape, n int) *loadtest.Shape {
	out := &loadtest.Shape{Warmup: s.Warmup, Max: s.Max}
	for _, st := range s.Stages {
		out.Stages = append(out.Stages, loadtest.Stage{From: st.From / float64(n), To: st.To / float64(n), Duration: st.Duration})
	}
	return out
}

// Encode is the spec as the workers' environment carries it.
func (s *Spec) Encode() (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	if len(b) > maxSpecBytes {
		return "", fmt.Errorf("the workers' spec is %d KiB (%d targets), more than a pod can carry (%d KiB): load fewer rules per run", len(b)>>10, len(s.Targets), maxSpecBytes>>10)
	}
	return string(b), nil
}

// DecodeSpec reads a spec from the workers' environment.
func DecodeSpec(v string) (*Spec, error) {
	if v == "" {
		return nil, fmt.Errorf("%s is empty: this command runs inside the pods of `loadtest run --workers`", EnvSpec)
	}
	var s Spec
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvSpec, err)
	}
	if s.Shape == nil || len(s.Targets) == 0 || s.Workers < 1 || s.StartAt.IsZero() {
		return nil, fmt.Errorf("%s: incomplete spec (shape, targets, workers and start time are required)", EnvSpec)
	}
	return &s, nil
}

// Options are the engine options of one worker.
func (s *Spec) Options() loadtest.Options {
	e := s.Engine
	return loadtest.Options{
		Targets: s.Targets, Shape: s.Shape, Workers: e.Workers, MaxWorkers: e.MaxWorkers, Transport: e.Transport,
		Redirects: e.Redirects, Resolve: e.Resolve, Lookup: (&net.Resolver{}).LookupHost, DNSTTL: e.DNSTTL,
		PodHeader: e.PodHeader, SecretHeaders: e.SecretHeaders, CoarsePacing: e.CoarsePacing, Version: e.Version,
	}
}
