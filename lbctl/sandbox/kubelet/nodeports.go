package kubelet

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
)

// syncNodePorts plays kube-proxy: for every NodePort of every Service, a
// forwarder on every node, sending to the Service's ready endpoints.
func (k *Kubelet) syncNodePorts() error {
	svcs, err := k.services.List(labels.Everything())
	if err != nil {
		return err
	}
	want := map[string][]dataplane.Endpoint{}
	zoneOf := map[string]string{}
	for _, svc := range svcs {
		if svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		slices, err := k.slices.EndpointSlices(svc.Namespace).List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: svc.Name}))
		if err != nil {
			return err
		}
		for _, sp := range svc.Spec.Ports {
			if sp.NodePort == 0 {
				continue
			}
			eps := endpointsFor(slices, sp, k.loopback)
			for _, n := range k.opts.Nodes {
				key := fmt.Sprintf("%s:%d", k.loopback(n.IP), sp.NodePort)
				want[key] = eps
				zoneOf[key] = n.Zone
			}
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for key, np := range k.nodePorts {
		if _, ok := want[key]; !ok {
			np.Close()
			delete(k.nodePorts, key)
		}
	}
	keys := make([]string, 0, len(want))
	for key := range want {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		np := k.nodePorts[key]
		if np == nil {
			np, err = dataplane.StartNodePort(key, dataplane.NodePortOptions{Zone: zoneOf[key], CrossZoneLatency: k.opts.CrossZoneLatency, SameZoneLatency: k.opts.SameZoneLatency})
			if err != nil {
				return fmt.Errorf("nodeport %s: %w", key, err)
			}
			k.nodePorts[key] = np
		}
		np.SetEndpoints(want[key])
	}
	return nil
}

func endpointsFor(slices []*discoveryv1.EndpointSlice, sp corev1.ServicePort, loopback func(string) string) []dataplane.Endpoint {
	var out []dataplane.Endpoint
	for _, es := range slices {
		var port int32
		for _, p := range es.Ports {
			if p.Name != nil && *p.Name == sp.Name && p.Port != nil {
				port = *p.Port
			}
		}
		if port == 0 {
			continue
		}
		for _, ep := range es.Endpoints {
			ready := ep.Conditions.Ready != nil && *ep.Conditions.Ready
			zone := ""
			if ep.Zone != nil {
				zone = *ep.Zone
			}
			for _, a := range ep.Addresses {
				out = append(out, dataplane.Endpoint{Addr: fmt.Sprintf("%s:%d", loopback(a), port), Zone: zone, Ready: ready})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}
