package plan

import (
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/lbctl/lbctl/lbctl/topology"
)

// workloadIndex finds the pod template and the workload behind a Service:
// the Deployments read from files (scenarios, manifests), else the pods and
// their owners.
type workloadIndex struct {
	deployments map[string][]*appsv1.Deployment // by namespace
	// slices are the EndpointSlices by Service ("namespace/name").
	slices map[string][]*discoveryv1.EndpointSlice
}

func indexWorkloads(t *topology.Topology) *workloadIndex {
	w := &workloadIndex{deployments: map[string][]*appsv1.Deployment{}, slices: map[string][]*discoveryv1.EndpointSlice{}}
	for i := range t.Objects.Deployments {
		d := &t.Objects.Deployments[i]
		w.deployments[d.Namespace] = append(w.deployments[d.Namespace], d)
	}
	for i := range t.Objects.EndpointSlices {
		es := &t.Objects.EndpointSlices[i]
		if svc := es.Labels[discoveryv1.LabelServiceName]; svc != "" {
			k := es.Namespace + "/" + svc
			w.slices[k] = append(w.slices[k], es)
		}
	}
	return w
}

// deploymentsOf are the Deployments whose pod template the Service selects.
func (w *workloadIndex) deploymentsOf(svc *corev1.Service) []*appsv1.Deployment {
	if svc == nil || len(svc.Spec.Selector) == 0 {
		return nil
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	var out []*appsv1.Deployment
	for _, d := range w.deployments[svc.Namespace] {
		if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, d)
		}
	}
	return out
}

// podSpec is a representative pod spec behind a backend: a selected
// Deployment's template, else the first pod.
func (w *workloadIndex) podSpec(be *topology.Backend) *corev1.PodSpec {
	if ds := w.deploymentsOf(be.Service); len(ds) > 0 {
		return &ds[0].Spec.Template.Spec
	}
	if len(be.Pods) > 0 {
		return &be.Pods[0].Spec
	}
	return nil
}

// targetCount is the number of targets ip mode registers in a backend's
// target group: one per ready endpoint of the Service (its EndpointSlices;
// else the pods read), or the selected Deployments' replicas when those are
// more (a scaled-down or rolling workload comes back to them).
func (w *workloadIndex) targetCount(be *topology.Backend) int {
	n := len(be.Pods)
	if be.Service != nil {
		if es := w.slices[be.Service.Namespace+"/"+be.Service.Name]; len(es) > 0 {
			n = readyEndpoints(es)
		}
	}
	replicas := 0
	for _, d := range w.deploymentsOf(be.Service) {
		if d.Spec.Replicas != nil {
			replicas += int(*d.Spec.Replicas)
		} else {
			replicas++
		}
	}
	return max(n, replicas)
}

// readyEndpoints counts the distinct ready addresses of a Service's
// EndpointSlices (an endpoint with no ready condition counts as ready, as
// the API defines).
func readyEndpoints(slices []*discoveryv1.EndpointSlice) int {
	seen := map[string]bool{}
	for _, es := range slices {
		for _, ep := range es.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			if len(ep.Addresses) > 0 {
				seen[ep.Addresses[0]] = true
			}
		}
	}
	return len(seen)
}

// workloadRef is a workload to restart, and its serving container.
type workloadRef struct {
	topology.ObjectRef
	pods []*corev1.Pod
	spec *corev1.PodSpec
}

// workloadsOf are the workloads running a backend's pods: selected
// Deployments, else the pods' controllers (a ReplicaSet's Deployment, a
// StatefulSet, a DaemonSet), else the bare pods.
func (w *workloadIndex) workloadsOf(be *topology.Backend) []workloadRef {
	if ds := w.deploymentsOf(be.Service); len(ds) > 0 {
		out := make([]workloadRef, 0, len(ds))
		for _, d := range ds {
			out = append(out, workloadRef{ObjectRef: topology.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}, spec: &d.Spec.Template.Spec})
		}
		return out
	}
	idx := map[topology.ObjectRef]int{}
	var out []workloadRef
	for _, p := range be.Pods {
		ref := ownerOf(p)
		i, ok := idx[ref]
		if !ok {
			i = len(out)
			idx[ref] = i
			out = append(out, workloadRef{ObjectRef: ref, spec: &p.Spec})
		}
		out[i].pods = append(out[i].pods, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func ownerOf(p *corev1.Pod) topology.ObjectRef {
	for _, o := range p.OwnerReferences {
		if o.Controller == nil || !*o.Controller {
			continue
		}
		switch o.Kind {
		case "ReplicaSet":
			name := o.Name
			if h := p.Labels["pod-template-hash"]; h != "" {
				name = strings.TrimSuffix(name, "-"+h)
			}
			return topology.ObjectRef{Kind: "Deployment", Namespace: p.Namespace, Name: name}
		case "StatefulSet", "DaemonSet", "Deployment":
			return topology.ObjectRef{Kind: o.Kind, Namespace: p.Namespace, Name: o.Name}
		}
	}
	return topology.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
}
