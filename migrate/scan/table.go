package scan

import (
	"fmt"
	"io"
	"strings"

	"github.com/lbctl/lbctl/lbctl/columns"
)

// TableOptions tune the human-readable report.
type TableOptions struct {
	// Wide adds the ALB DNS name, target groups and NodePorts.
	Wide bool
	// Color marks severities with ANSI colours.
	Color bool
}

// WriteTable writes the report as kubectl-style tables: Ingresses, then
// findings, then a summary line.
func WriteTable(w io.Writer, r *Report, o TableOptions) error {
	tw := columns.NewWriter(w)
	if o.Wide {
		fmt.Fprintln(tw, "NAMESPACE\tNAME\tCLASS\tGROUP\tTARGET\tSCHEME\tALB\tDNS\tRULES\tBACKENDS\tHEALTH")
	} else {
		fmt.Fprintln(tw, "NAMESPACE\tNAME\tCLASS\tGROUP\tTARGET\tSCHEME\tALB\tRULES\tBACKENDS\tHEALTH")
	}
	for _, e := range r.Ingresses {
		group, target, scheme, alb, dns := "-", "-", "-", "-", "-"
		class := e.Class
		if class == "" {
			class = "<none>"
		}
		if e.Controller != "alb" && e.Controller != "" {
			class += " (" + e.Controller + ")"
		}
		if e.Group != nil {
			group = e.Group.Name
			if !e.Group.Explicit {
				group = "(own)"
			}
			target, scheme = e.TargetType, e.Scheme
		}
		if e.LoadBalancer != nil {
			alb = e.LoadBalancer.Name
			if !e.LoadBalancer.Live {
				alb += " (not found)"
				if r.AWS == nil {
					alb = e.LoadBalancer.Name + " (predicted)"
				}
			}
			if e.LoadBalancer.DNSName != "" {
				dns = e.LoadBalancer.DNSName
			}
		}
		cols := []string{e.Namespace, e.Name, class, group, target, scheme, alb}
		if o.Wide {
			cols = append(cols, dns)
		}
		cols = append(cols, fmt.Sprint(e.Rules), backends(e.Backends, o.Wide), health(e.Health))
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "No findings.")
	} else {
		tw = columns.NewWriter(w)
		fmt.Fprintln(tw, "SEVERITY\tCODE\tOBJECT\tMESSAGE")
		for _, f := range r.Findings {
			obj := "-"
			if len(f.Objects) > 0 {
				obj = f.Objects[0].String()
				if len(f.Objects) > 1 {
					obj += fmt.Sprintf(" (+%d)", len(f.Objects)-1)
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", severity(f.Severity, o.Color), f.Code, obj, f.Message)
			if o.Wide && f.Remedy != "" {
				fmt.Fprintf(tw, "\t\t\t→ %s\n", f.Remedy)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	s := r.Summary
	fmt.Fprintf(w, "\n%d Ingresses (%d ALB, %d instance mode) in %d ALB groups; %d live ALBs",
		s.Ingresses, s.ALBIngresses, s.InstanceMode, s.Groups, s.LoadBalancers)
	if s.OrphanALBs > 0 {
		fmt.Fprintf(w, " + %d orphaned", s.OrphanALBs)
	}
	fmt.Fprintf(w, "; shared groups would need %d. Findings: %d errors, %d warnings, %d info.\n", s.SharedGroupsGoal, s.Errors, s.Warnings, s.Infos)
	if r.AWS == nil {
		fmt.Fprintln(w, "AWS was not read: ALB names are predicted and health is unknown.")
	}
	return nil
}

func backends(bs []BackendEntry, wide bool) string {
	if len(bs) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		p := b.Service + ":" + b.Port
		if b.ServiceType != "" && b.ServiceType != "ClusterIP" {
			p += "(" + b.ServiceType
			if wide && b.NodePort != 0 {
				p += fmt.Sprintf(" %d", b.NodePort)
			}
			p += ")"
		}
		if wide && b.TargetGroup != "" {
			p += "→" + b.TargetGroup
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ",")
}

func health(h *HealthSummary) string {
	if h == nil {
		return "-"
	}
	s := fmt.Sprintf("%d/%d healthy", h.Healthy, h.Healthy+h.Unhealthy+h.Draining+h.Other)
	if h.Draining > 0 {
		s += fmt.Sprintf(", %d draining", h.Draining)
	}
	return s
}

func severity(s Severity, color bool) string {
	if !color {
		return string(s)
	}
	switch s {
	case Error:
		return "\x1b[31m" + string(s) + "\x1b[0m"
	case Warning:
		return "\x1b[33m" + string(s) + "\x1b[0m"
	}
	return "\x1b[36m" + string(s) + "\x1b[0m"
}
