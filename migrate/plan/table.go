package plan

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// TableOptions tune WriteTable.
type TableOptions struct {
	// Wide prints every member, step object and remedy.
	Wide bool
}

// WriteTable renders the plan for people: groups with quota use, members,
// phases with their steps, replacements, findings and estimates.
func WriteTable(w io.Writer, p *Plan, o TableOptions) error {
	ew := &errWriter{w: w}
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "GROUP\tSCHEME\tMODE\tALB\tMEMBERS\tRULES\tTGS\tCERTS\tTARGETS\tLISTENERS\n")
	for _, g := range p.Groups {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", g.Name, g.Scheme, g.Mode, g.LoadBalancer, len(g.Members), g.Rules, g.TargetGroups, g.Certificates, g.Targets, g.Listeners)
	}
	l := p.Settings.Limits
	fmt.Fprintf(tw, "(quota per ALB)\t\t\t\t\t%d\t%d\t%d\t%d\t%d\n", l.RulesPerALB, l.TargetGroupsPerALB, l.CertificatesPerALB, l.TargetsPerALB, l.ListenersPerALB)
	tw.Flush()
	for _, g := range p.Groups {
		if g.Split != "" {
			fmt.Fprintf(ew, "  %s: %s\n", g.Name, g.Split)
		}
	}

	fmt.Fprintln(ew)
	tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "GROUP\tORDER\tINGRESS\tCOPY\tFROM\n")
	for _, g := range p.Groups {
		for i, m := range g.Members {
			if !o.Wide && i == 8 {
				fmt.Fprintf(tw, "%s\t\t… %d more (-o wide)\t\t\n", g.Name, len(g.Members)-i)
				break
			}
			cp := m.Ingress
			if cp == "" {
				cp = "(stays)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s/%s\t%s\t%s\n", g.Name, m.Order, m.Namespace, m.Name, cp, m.From)
		}
	}
	tw.Flush()

	for i, ph := range p.Phases {
		fmt.Fprintf(ew, "\nPHASE %d %s: %s\n", i+1, strings.ToUpper(ph.Name), ph.Description)
		if len(ph.Steps) == 0 {
			fmt.Fprintln(ew, "  (nothing to do)")
		}
		for j, st := range ph.Steps {
			if st.Check != nil {
				fmt.Fprintf(ew, "  %d.%d [%s] %s: %s\n", i+1, j+1, st.Check.Status, st.Check.Name, st.Check.Message)
				if st.Check.Needs != "" && o.Wide {
					fmt.Fprintf(ew, "        needs: %s\n", st.Check.Needs)
				}
				continue
			}
			fmt.Fprintf(ew, "  %d.%d %s\n", i+1, j+1, st.Action)
			if st.WaitFor != "" {
				fmt.Fprintf(ew, "        wait: %s\n", st.WaitFor)
			}
			if st.Undo != "" && o.Wide {
				fmt.Fprintf(ew, "        undo: %s\n", st.Undo)
			}
		}
	}

	creates, deletes := 0, 0
	for _, r := range p.Replacements {
		if r.Action == Create {
			creates++
		} else {
			deletes++
		}
	}
	fmt.Fprintf(ew, "\nREPLACEMENTS: %d created, %d deleted\n", creates, deletes)
	tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	for i, r := range p.Replacements {
		if !o.Wide && i == 12 {
			fmt.Fprintf(tw, "  … %d more (-o wide)\n", len(p.Replacements)-i)
			break
		}
		name := r.Name
		if r.DNSName != "" {
			name += " (" + r.DNSName + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Action, r.Kind, name, r.Because)
	}
	tw.Flush()

	fmt.Fprintf(ew, "\nFINDINGS: %d\n", len(p.Findings))
	for _, f := range p.Findings {
		fmt.Fprintf(ew, "  %-7s %s: %s\n", f.Severity, f.Code, f.Message)
		if o.Wide && f.Remedy != "" {
			fmt.Fprintf(ew, "          fix: %s\n", f.Remedy)
		}
	}

	e := p.Estimates
	fmt.Fprintf(ew, "\nESTIMATES (rough)\n")
	fmt.Fprintf(ew, "  ALBs: %d before, %d after (%d at most during the migration)\n", e.ALBsBefore, e.ALBsAfter, e.ALBsDuring)
	fmt.Fprintf(ew, "  ALB-hours: $%.2f/month before, $%.2f after, $%.2f saved (at $%.4f/h)\n", e.MonthlyBefore, e.MonthlyAfter, e.MonthlySavings, e.PricePerHour)
	fmt.Fprintf(ew, "  %d Ingresses move, %d backends leave instance mode: %d hop less per request\n", e.IngressesMoved, e.BackendsToIP, e.HopsRemoved)
	for _, n := range e.Notes {
		fmt.Fprintf(ew, "  - %s\n", n)
	}
	return ew.err
}

// errWriter keeps the first write error so the renderer can report it once.
type errWriter struct {
	w   io.Writer
	err error
}

// Write implements io.Writer, dropping writes after the first error.
func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
