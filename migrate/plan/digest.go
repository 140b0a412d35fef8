package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"sort"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/lbctl/lbctl/lbctl/topology"
)

// Digest fingerprints the fields of obj the plan was made from: labels,
// annotations (without the ones tools keep for themselves) and, for
// Ingresses and Services, the spec fields the plan reads. Fields the API
// server fills in (allocated nodePorts, cluster IPs, default protocols) are
// left out, so an object read from a file and the same object read back
// from the cluster have the same digest. Other kinds digest their metadata
// only; "" for nil.
func Digest(obj runtime.Object) string {
	var v any
	switch o := obj.(type) {
	case *networkingv1.Ingress:
		if o == nil {
			return ""
		}
		v = struct {
			Meta any                      `json:"m"`
			Spec networkingv1.IngressSpec `json:"s"`
		}{digestMeta(o.ObjectMeta), o.Spec}
	case *corev1.Service:
		if o == nil {
			return ""
		}
		type port struct {
			Name, Protocol, TargetPort string
			Port                       int32
		}
		var ports []port
		for _, p := range o.Spec.Ports {
			proto := string(p.Protocol)
			if proto == "" {
				proto = string(corev1.ProtocolTCP)
			}
			ports = append(ports, port{Name: p.Name, Protocol: proto, TargetPort: p.TargetPort.String(), Port: p.Port})
		}
		typ := o.Spec.Type
		if typ == "" {
			typ = corev1.ServiceTypeClusterIP
		}
		v = struct {
			Meta     any                `json:"m"`
			Type     corev1.ServiceType `json:"t"`
			Selector map[string]string  `json:"s"`
			Ports    []port             `json:"p"`
		}{digestMeta(o.ObjectMeta), typ, o.Spec.Selector, ports}
	case *corev1.Namespace:
		if o == nil {
			return ""
		}
		v = digestMeta(o.ObjectMeta)
	case metav1.Object:
		v = digestMeta(metav1.ObjectMeta{Labels: o.GetLabels(), Annotations: o.GetAnnotations()})
	default:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func digestMeta(m metav1.ObjectMeta) any {
	ann := maps.Clone(m.Annotations)
	for k := range ann {
		if stripped(k) {
			delete(ann, k)
		}
	}
	if len(ann) == 0 {
		ann = nil
	}
	labels := maps.Clone(m.Labels)
	// The API server labels every namespace with its name.
	delete(labels, corev1.LabelMetadataName)
	if len(labels) == 0 {
		labels = nil
	}
	return struct {
		Labels      map[string]string `json:"l,omitempty"`
		Annotations map[string]string `json:"a,omitempty"`
	}{labels, ann}
}

// inputs fingerprints what the phases change: the moved Ingresses, the
// Services turned ClusterIP and the namespaces labelled.
func (b *builder) inputs() []Input {
	out := []Input{}
	for _, m := range b.moves {
		out = append(out, Input{ObjectRef: m.ref(), Digest: Digest(m.in.Object)})
	}
	for _, s := range b.services {
		out = append(out, Input{ObjectRef: s.ref(), Digest: Digest(s.svc)})
	}
	for _, ns := range b.labelNS {
		n := b.t.Namespace(ns)
		if n == nil {
			n = &corev1.Namespace{}
		}
		out = append(out, Input{ObjectRef: topology.ObjectRef{Kind: "Namespace", Name: ns}, Digest: Digest(n)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
