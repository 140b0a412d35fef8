package dataplane

import (
	"context"
	"sync"
)

// eventQueue delivers health events to OnHealth from one goroutine, in the
// order they happened, without ever blocking the health checkers or Apply
// on the callback (which may itself call TargetHealth).
type eventQueue struct {
	mu   sync.Mutex
	q    []HealthEvent
	wake chan struct{}
	on   func(HealthEvent)
}

func newEventQueue(on func(HealthEvent)) *eventQueue {
	return &eventQueue{wake: make(chan struct{}, 1), on: on}
}

func (e *eventQueue) push(ev HealthEvent) {
	if e.on == nil {
		return
	}
	e.mu.Lock()
	e.q = append(e.q, ev)
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// run delivers events until ctx ends; events still queued then are dropped.
func (e *eventQueue) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		}
		for {
			e.mu.Lock()
			batch := e.q
			e.q = nil
			e.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			for _, ev := range batch {
				if ctx.Err() != nil {
					return
				}
				e.on(ev)
			}
		}
	}
}
