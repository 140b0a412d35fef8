package scan

import (
	"sort"

	"github.com/lbctl/lbctl/lbctl/topology"
)

// APIVersion and Kind of the JSON/YAML report (docs/scan.md).
const (
	APIVersion = "lbctl.dev/v1alpha1"
	KindReport = "ScanReport"
)

// Report is what `scan -o json|yaml` prints.
type Report struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Cluster is the controller's cluster name used for names and tags.
	Cluster string `json:"cluster,omitempty"`
	// Source is "cluster" or "files".
	Source string `json:"source"`
	// AWS says whether AWS was read (region when it was).
	AWS       *AWSSource     `json:"aws,omitempty"`
	Summary   Summary        `json:"summary"`
	Ingresses []IngressEntry `json:"ingresses"`
	Findings  []Finding      `json:"findings"`
	Notes     []string       `json:"notes,omitempty"`
}

// AWSSource says where the AWS side came from.
type AWSSource struct {
	Region string `json:"region,omitempty"`
	Calls  int    `json:"calls"`
}

// Summary counts what the scan saw.
type Summary struct {
	Ingresses        int `json:"ingresses"`
	ALBIngresses     int `json:"albIngresses"`
	InstanceMode     int `json:"instanceMode"`
	Groups           int `json:"groups"`
	LoadBalancers    int `json:"loadBalancers"`
	OrphanALBs       int `json:"orphanLoadBalancers"`
	Errors           int `json:"errors"`
	Warnings         int `json:"warnings"`
	Infos            int `json:"infos"`
	SharedGroupsGoal int `json:"sharedGroupsGoal"`
}

// IngressEntry is one Ingress in the report.
type IngressEntry struct {
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	Controller string `json:"controller"`
	Class      string `json:"class,omitempty"`
	// Group is set for ALB Ingresses.
	Group        *GroupRef          `json:"group,omitempty"`
	TargetType   string             `json:"targetType,omitempty"`
	Scheme       string             `json:"scheme,omitempty"`
	LoadBalancer *LoadBalancerEntry `json:"loadBalancer,omitempty"`
	Rules        int                `json:"rules"`
	Backends     []BackendEntry     `json:"backends"`
	Health       *HealthSummary     `json:"health,omitempty"`
}

// GroupRef names an Ingress's group.
type GroupRef struct {
	Name     string `json:"name"`
	Explicit bool   `json:"explicit"`
	Order    int32  `json:"order,omitempty"`
}

// LoadBalancerEntry is the ALB: the controller's name, and the live object
// when AWS was read.
type LoadBalancerEntry struct {
	Name    string `json:"name"`
	DNSName string `json:"dnsName,omitempty"`
	ARN     string `json:"arn,omitempty"`
	// Live is false when the name is predicted (AWS not read, or no ALB yet).
	Live bool `json:"live"`
}

// BackendEntry is one Service port behind the Ingress.
type BackendEntry struct {
	Service     string `json:"service"`
	Port        string `json:"port"`
	ServiceType string `json:"serviceType,omitempty"`
	NodePort    int32  `json:"nodePort,omitempty"`
	TargetType  string `json:"targetType"`
	TargetGroup string `json:"targetGroup,omitempty"`
	Pods        int    `json:"pods"`
}

// HealthSummary counts targets by state.
type HealthSummary struct {
	Healthy   int `json:"healthy"`
	Unhealthy int `json:"unhealthy"`
	Draining  int `json:"draining"`
	Other     int `json:"other"`
}

// Build makes the report of a topology.
func Build(t *topology.Topology, o Options) *Report {
	r := &Report{APIVersion: APIVersion, Kind: KindReport, Cluster: t.Cluster, Source: "cluster",
		Ingresses: []IngressEntry{}, Findings: Findings(t, o)}
	if t.Objects.FromFiles {
		r.Source = "files"
	}
	if t.AWS != nil {
		calls := 0
		for _, n := range t.AWS.Calls {
			calls += n
		}
		r.AWS = &AWSSource{Region: t.AWS.Region, Calls: calls}
	}
	for _, n := range t.Objects.Notes {
		r.Notes = append(r.Notes, n.Source+": "+n.Message)
	}
	for _, in := range t.Ingresses {
		r.Ingresses = append(r.Ingresses, ingressEntry(in))
	}
	s := &r.Summary
	s.Ingresses = len(t.Ingresses)
	s.Groups = len(t.Groups)
	schemesByNS := map[string]bool{}
	for _, g := range t.Groups {
		if g.LoadBalancer != nil {
			s.LoadBalancers++
		}
		if g.ID.IsExplicit() {
			schemesByNS["group:"+g.ID.Name] = true
		} else {
			schemesByNS[g.ID.Namespace+"/"+g.Scheme] = true
		}
	}
	s.SharedGroupsGoal = len(schemesByNS)
	for _, e := range r.Ingresses {
		if e.Controller == "alb" {
			s.ALBIngresses++
			if e.TargetType == "instance" || e.TargetType == "mixed" {
				s.InstanceMode++
			}
		}
	}
	for _, o := range t.Orphans {
		if o.Kind == "LoadBalancer" {
			s.OrphanALBs++
		}
	}
	for _, f := range r.Findings {
		switch f.Severity {
		case Error:
			s.Errors++
		case Warning:
			s.Warnings++
		default:
			s.Infos++
		}
	}
	return r
}

func ingressEntry(in *topology.Ingress) IngressEntry {
	e := IngressEntry{Namespace: in.Object.Namespace, Name: in.Object.Name, Controller: in.Ownership.Controller,
		Class: in.Ownership.ClassName, Backends: []BackendEntry{}}
	if in.Group == nil {
		return e
	}
	g := in.Group
	e.Group = &GroupRef{Name: g.ID.String(), Explicit: g.ID.IsExplicit(), Order: in.Config.Order}
	e.TargetType = in.TargetType()
	e.Scheme = g.Scheme
	lb := &LoadBalancerEntry{Name: g.LoadBalancerName}
	if g.LoadBalancer != nil {
		lb = &LoadBalancerEntry{Name: g.LoadBalancer.Name, DNSName: g.LoadBalancer.DNSName, ARN: g.LoadBalancer.ARN, Live: true}
	}
	e.LoadBalancer = lb
	for _, r := range g.Rules {
		if r.Ingress.Namespace == in.Object.Namespace && r.Ingress.Name == in.Object.Name {
			e.Rules++
		}
	}
	var h HealthSummary
	haveHealth := false
	for _, b := range in.Backends {
		be := BackendEntry{Service: b.Ref.Service, Port: b.Ref.Port.String(), TargetType: string(b.Config.TargetType),
			TargetGroup: b.TargetGroupName, Pods: len(b.Pods)}
		if b.Service != nil {
			be.ServiceType = string(b.Service.Spec.Type)
		}
		if b.ServicePort != nil {
			be.NodePort = b.ServicePort.NodePort
		}
		if b.TargetGroup != nil {
			be.TargetGroup = b.TargetGroup.Name
			haveHealth = true
			for _, t := range b.Targets {
				switch t.State {
				case "healthy":
					h.Healthy++
				case "unhealthy":
					h.Unhealthy++
				case "draining":
					h.Draining++
				default:
					h.Other++
				}
			}
		}
		e.Backends = append(e.Backends, be)
	}
	sort.SliceStable(e.Backends, func(i, j int) bool { return e.Backends[i].Service < e.Backends[j].Service })
	if haveHealth {
		e.Health = &h
	}
	return e
}
