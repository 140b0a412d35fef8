package healthview

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// EventSource returns a pod's events (any order), as `kubectl describe pod`
// lists them.
type EventSource func(ctx context.Context, namespace, pod string) ([]corev1.Event, error)

// PodEventsMsg delivers the events of the pod Key ("namespace/name").
type PodEventsMsg struct {
	Key    string
	Events []corev1.Event
	Err    error
}

// eventsDueMsg asks for the events of Key once the cursor has rested on it.
type eventsDueMsg struct{ Key string }

// maxEvents is how many of the latest events the detail pane shows.
const maxEvents = 5

// WithEvents makes the detail pane show the selected pod's last events,
// read from src when the cursor rests on a pod and at every refresh.
func (m Model) WithEvents(src EventSource) Model {
	m.events = src
	return m
}

// selectedPod is the "namespace/name" of the pod under the cursor ("" when
// none).
func (m Model) selectedPod() string {
	if m.cursor < len(m.view) {
		return m.view[m.cursor].pod
	}
	return ""
}

// followSelection asks for the selected pod's events when the selection
// moved to another pod (after a short rest, so scrolling does not list
// events for every row passed) or when refresh is set.
func (m *Model) followSelection(refresh bool) tea.Cmd {
	if m.events == nil {
		return nil
	}
	key := m.selectedPod()
	if key == m.eventsKey && !refresh {
		return nil
	}
	if key != m.eventsKey {
		m.eventsKey, m.podEvents, m.eventsErr = key, nil, nil
	}
	if key == "" {
		return nil
	}
	return tea.Tick(150*time.Millisecond, func(time.Time) tea.Msg { return eventsDueMsg{key} })
}

func (m Model) fetchEvents(key string) tea.Cmd {
	src, ctx := m.events, m.ctx
	ns, name, _ := strings.Cut(key, "/")
	return func() tea.Msg {
		evs, err := src(ctx, ns, name)
		return PodEventsMsg{Key: key, Events: evs, Err: err}
	}
}

// EventLines renders the last n events as `kubectl describe` does, oldest
// first: type, reason, age (with the count and the span of repeats), source,
// message.
func EventLines(evs []corev1.Event, now time.Time, n int) []string {
	evs = append([]corev1.Event(nil), evs...)
	sort.SliceStable(evs, func(i, j int) bool { return lastSeen(evs[i]).Before(lastSeen(evs[j])) })
	if len(evs) > n {
		evs = evs[len(evs)-n:]
	}
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		age := duration.HumanDuration(now.Sub(lastSeen(e)))
		if e.Count > 1 && !e.FirstTimestamp.IsZero() {
			age = fmt.Sprintf("%s (x%d over %s)", age, e.Count, duration.HumanDuration(now.Sub(e.FirstTimestamp.Time)))
		}
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		out = append(out, fmt.Sprintf("  %-7s  %-18s  %-16s  %-10s  %s", e.Type, e.Reason, age, dash(from), strings.TrimSpace(strings.ReplaceAll(e.Message, "\n", " "))))
	}
	return out
}

func lastSeen(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}
