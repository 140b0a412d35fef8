// Package health is the topology's view of target health: ALB → listener
// rule → target group → target → pod or node, with what neither AWS nor
// Kubernetes shows alone (a Ready pod whose target is unhealthy, a target
// with no live pod, readiness gates stuck False, a zone with no healthy
// target, an ALB failing open). Snapshot and Diff are pure.
package health

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// Row is one target as seen from both sides.
type Row struct {
	Namespace    string `json:"namespace"`
	Ingress      string `json:"ingress"`
	LoadBalancer string `json:"loadBalancer"`
	Rule         string `json:"rule"`
	TargetGroup  string `json:"targetGroup"`
	TargetType   string `json:"targetType"`
	Target       string `json:"target"`
	State        string `json:"state"`
	Reason       string `json:"reason,omitempty"`
	Description  string `json:"description,omitempty"`
	Zone         string `json:"zone,omitempty"`
	Pod          string `json:"pod,omitempty"`
	Node         string `json:"node,omitempty"`
	PodReady     *bool  `json:"podReady,omitempty"`
	// Gate is the target-health readiness gate's status ("True", "False",
	// "" when the pod has none).
	Gate string `json:"readinessGate,omitempty"`
	// Problems are the cross-checks this target fails.
	Problems []string `json:"problems,omitempty"`
}

// Key identifies a target across snapshots.
func (r Row) Key() string { return r.TargetGroup + "|" + r.Target }

// Problem codes.
const (
	ProblemReadyButUnhealthy = "pod-ready-target-unhealthy"
	ProblemNoPod             = "target-without-pod"
	ProblemGateStuck         = "readiness-gate-false"
	ProblemZoneDown          = "zone-without-healthy-target"
	ProblemFailOpen          = "alb-failing-open"
	ProblemDraining          = "draining"
)

// StateUnknown is a target's state when AWS was not read: the row shows
// the Kubernetes side only.
const StateUnknown = "unknown"

// ReasonAWSNotRead is the reason of a row in StateUnknown.
const ReasonAWSNotRead = "AWS.NotRead"

// Snapshot is one view of every target in scope.
type Snapshot struct {
	Time time.Time `json:"time"`
	Rows []Row     `json:"targets"`
	// Groups without any target at all, and other notes.
	Notes []string `json:"notes,omitempty"`
}

// Build makes the snapshot of the topology's ALB Ingresses (filtered by
// keep, nil keeps all).
func Build(t *topology.Topology, now time.Time, keep func(*topology.Ingress) bool) Snapshot {
	s := Snapshot{Time: now, Rows: []Row{}}
	seen := map[string]bool{}
	for _, in := range t.ALBIngresses() {
		if keep != nil && !keep(in) {
			continue
		}
		lb := in.Group.LoadBalancerName
		if in.Group.LoadBalancer != nil {
			lb = in.Group.LoadBalancer.Name
		}
		for _, b := range in.Backends {
			if b.TargetGroup == nil && t.AWS == nil {
				s.Rows = append(s.Rows, kubeOnlyRows(t, in, b, lb)...)
				continue
			}
			if b.TargetGroup == nil {
				s.Notes = append(s.Notes, fmt.Sprintf("Ingress %s backend %s:%s has no target group in AWS", in.Key(), b.Ref.Service, b.Ref.Port.String()))
				continue
			}
			if seen[b.TargetGroup.ARN] {
				continue
			}
			seen[b.TargetGroup.ARN] = true
			rule := ruleOf(in, b)
			gate := ""
			if b.Binding != nil {
				gate = string(lbc.ReadinessGateConditionType(b.Binding.Name))
			}
			var rows []Row
			for _, tg := range b.Targets {
				r := Row{Namespace: in.Object.Namespace, Ingress: in.Object.Name, LoadBalancer: lb, Rule: rule,
					TargetGroup: b.TargetGroup.Name, TargetType: b.TargetGroup.TargetType,
					Target: fmt.Sprintf("%s:%d", tg.ID, tg.Port), State: tg.State, Reason: tg.Reason, Description: tg.Description, Zone: tg.Zone}
				if tg.Pod != nil {
					p := tg.Pod
					ready := r.setPod(t, p, gate)
					if ready && tg.State == "unhealthy" {
						r.Problems = append(r.Problems, ProblemReadyButUnhealthy)
					}
					if r.Gate != "" && r.Gate != string(corev1.ConditionTrue) && podCondition(p, corev1.ContainersReady) == corev1.ConditionTrue && tg.State != "initial" {
						r.Problems = append(r.Problems, ProblemGateStuck)
					}
				} else if tg.Node != nil {
					r.Node = tg.Node.Name
					if r.Zone == "" {
						r.Zone = tg.Node.Labels[corev1.LabelTopologyZone]
					}
				} else if b.TargetGroup.TargetType == "ip" && tg.State != "draining" {
					r.Problems = append(r.Problems, ProblemNoPod)
				}
				if tg.State == "draining" {
					r.Problems = append(r.Problems, ProblemDraining)
				}
				rows = append(rows, r)
			}
			markGroupProblems(rows)
			s.Rows = append(s.Rows, rows...)
		}
	}
	sort.SliceStable(s.Rows, func(i, j int) bool {
		a, b := s.Rows[i], s.Rows[j]
		if a.LoadBalancer != b.LoadBalancer {
			return a.LoadBalancer < b.LoadBalancer
		}
		if a.TargetGroup != b.TargetGroup {
			return a.TargetGroup < b.TargetGroup
		}
		return a.Target < b.Target
	})
	return s
}

// setPod fills the pod's side of a row and reports whether the pod is Ready.
func (r *Row) setPod(t *topology.Topology, p *corev1.Pod, gate string) bool {
	r.Pod, r.Node = p.Name, p.Spec.NodeName
	ready := podCondition(p, corev1.PodReady) == corev1.ConditionTrue
	r.PodReady = &ready
	if n := t.Node(p.Spec.NodeName); n != nil && r.Zone == "" {
		r.Zone = n.Labels[corev1.LabelTopologyZone]
	}
	if gate != "" && hasGate(p, gate) {
		r.Gate = string(podCondition(p, corev1.PodConditionType(gate)))
		if r.Gate == "" {
			r.Gate = "Unknown"
		}
	}
	return ready
}

// kubeOnlyRows are a backend's pods when AWS was not read: the Kubernetes
// side of each target (pod, node, zone, readiness, gate), state unknown.
func kubeOnlyRows(t *topology.Topology, in *topology.Ingress, b *topology.Backend, lb string) []Row {
	gate := ""
	if b.Binding != nil {
		gate = string(lbc.ReadinessGateConditionType(b.Binding.Name))
	}
	rows := make([]Row, 0, len(b.Pods))
	for _, p := range b.Pods {
		target := p.Status.PodIP
		if target == "" {
			target = p.Name
		}
		r := Row{Namespace: in.Object.Namespace, Ingress: in.Object.Name, LoadBalancer: lb, Rule: ruleOf(in, b),
			TargetGroup: b.TargetGroupName, TargetType: string(b.Config.TargetType), Target: target,
			State: StateUnknown, Reason: ReasonAWSNotRead}
		r.setPod(t, p, gate)
		rows = append(rows, r)
	}
	return rows
}

// markGroupProblems adds the target group's own problems to its rows: no
// healthy target (the ALB fails open) and zones whose targets are all down
// while others are up.
func markGroupProblems(rows []Row) {
	healthy := 0
	zoneHealthy := map[string]int{}
	zoneTotal := map[string]int{}
	for _, r := range rows {
		if r.State == "draining" {
			continue
		}
		zoneTotal[r.Zone]++
		if r.State == "healthy" {
			healthy++
			zoneHealthy[r.Zone]++
		}
	}
	for i := range rows {
		if rows[i].State == "draining" {
			continue
		}
		if healthy == 0 {
			rows[i].Problems = append(rows[i].Problems, ProblemFailOpen)
		} else if z := rows[i].Zone; z != "" && zoneTotal[z] > 0 && zoneHealthy[z] == 0 {
			rows[i].Problems = append(rows[i].Problems, ProblemZoneDown)
		}
	}
}

func ruleOf(in *topology.Ingress, b *topology.Backend) string {
	for _, r := range in.Group.Rules {
		if r.Ingress.Name != in.Object.Name || r.Ingress.Namespace != in.Object.Namespace {
			continue
		}
		if r.Backend != nil && r.Backend.Service == b.Ref.Service && r.Backend.Port.String() == b.Ref.Port.String() {
			host := strings.Join(r.Hosts, ",")
			if host == "" {
				host = "*"
			}
			return fmt.Sprintf("%d:%d %s%s", r.Port, r.Priority, host, firstPath(r.Paths))
		}
	}
	return "default"
}

func firstPath(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return p[0]
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

func hasGate(p *corev1.Pod, t string) bool {
	for _, g := range p.Spec.ReadinessGates {
		if string(g.ConditionType) == t {
			return true
		}
	}
	return false
}

// Counts of targets by state.
type Counts map[string]int

// Count returns the number of rows per state.
func (s Snapshot) Count() Counts {
	c := Counts{}
	for _, r := range s.Rows {
		c[r.State]++
	}
	return c
}

// FailOn says which states fail a check.
type FailOn string

// FailOn values.
const (
	FailUnhealthy FailOn = "unhealthy" // unhealthy or unavailable (default)
	FailDraining  FailOn = "draining"  // also draining
	FailAny       FailOn = "any"       // anything but healthy (initial, unused too)
)

// Failing returns the rows that fail the check.
func (s Snapshot) Failing(f FailOn) []Row {
	var out []Row
	for _, r := range s.Rows {
		switch r.State {
		case "healthy":
			continue
		case "unhealthy", "unavailable":
		case "draining":
			if f == FailUnhealthy {
				continue
			}
		default:
			if f != FailAny {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// Healthy reports whether every target is healthy and there is at least one
// (the --until healthy condition); draining targets are allowed to finish.
func (s Snapshot) Healthy() bool {
	n := 0
	for _, r := range s.Rows {
		switch r.State {
		case "healthy":
			n++
		case "draining":
		default:
			return false
		}
	}
	return n > 0
}

// Event is one change of a target's state, as --watch -o ndjson prints it,
// or (with Source set) of the watch itself.
type Event struct {
	Time time.Time `json:"time"`
	// Source is "kubernetes" for an event about the watch on the cluster,
	// not a target: To is WatchFailing when its list and watch calls have
	// kept failing (the targets shown are as last read), WatchOK when they
	// are answered again; Reason says why.
	Source       string `json:"source,omitempty"`
	LoadBalancer string `json:"loadBalancer"`
	Rule         string `json:"rule"`
	TargetGroup  string `json:"targetGroup"`
	Target       string `json:"target"`
	Pod          string `json:"pod,omitempty"`
	From         string `json:"from"`
	To           string `json:"to"`
	Reason       string `json:"reason,omitempty"`
}

// States of the watch in a Source event.
const (
	WatchOK      = "ok"
	WatchFailing = "failing"
)

// Diff returns the events that lead from prev to cur: new targets (from ""),
// changed states and reasons, and targets gone (to "gone").
func Diff(prev, cur Snapshot) []Event {
	old := map[string]Row{}
	for _, r := range prev.Rows {
		old[r.Key()] = r
	}
	var out []Event
	for _, r := range cur.Rows {
		o, ok := old[r.Key()]
		delete(old, r.Key())
		if ok && o.State == r.State && o.Reason == r.Reason {
			continue
		}
		out = append(out, Event{Time: cur.Time, LoadBalancer: r.LoadBalancer, Rule: r.Rule, TargetGroup: r.TargetGroup, Target: r.Target,
			Pod: r.Pod, From: o.State, To: r.State, Reason: r.Reason})
	}
	gone := make([]Row, 0, len(old))
	for _, r := range old {
		gone = append(gone, r)
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].Key() < gone[j].Key() })
	for _, r := range gone {
		out = append(out, Event{Time: cur.Time, LoadBalancer: r.LoadBalancer, Rule: r.Rule, TargetGroup: r.TargetGroup, Target: r.Target,
			Pod: r.Pod, From: r.State, To: "gone"})
	}
	return out
}
