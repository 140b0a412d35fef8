package dataplane

import (
	"math/rand/v2"
	"sync"
)

// randSource draws from an injected *rand.Rand (reproducible runs) under a
// lock, or from the runtime's concurrent-safe generator when none was given
// (throughput: no shared lock on the request path).
type randSource struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newRandSource(r *rand.Rand) *randSource { return &randSource{r: r} }

// IntN returns a number in [0, n); n must be positive.
func (s *randSource) IntN(n int) int {
	if s == nil || s.r == nil {
		return rand.IntN(n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.IntN(n)
}

// Float64 returns a number in [0, 1).
func (s *randSource) Float64() float64 {
	if s == nil || s.r == nil {
		return rand.Float64()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Float64()
}
