package health

import (
	"fmt"
	"io"
	"strings"

	"github.com/lbctl/lbctl/lbctl/columns"
)

// WriteTable writes the snapshot as a kubectl-style table.
func WriteTable(w io.Writer, s Snapshot, wide, color bool) error {
	tw := columns.NewWriter(w)
	if wide {
		fmt.Fprintln(tw, "ALB\tRULE\tTARGET GROUP\tTYPE\tTARGET\tSTATE\tREASON\tZONE\tPOD/NODE\tREADY\tGATE\tPROBLEMS\tDESCRIPTION")
	} else {
		fmt.Fprintln(tw, "ALB\tTARGET GROUP\tTARGET\tSTATE\tREASON\tPOD/NODE\tREADY\tPROBLEMS")
	}
	for _, r := range s.Rows {
		who := r.Pod
		if who == "" {
			who = r.Node
		}
		ready := "-"
		if r.PodReady != nil {
			ready = fmt.Sprint(*r.PodReady)
		}
		cols := []string{r.LoadBalancer}
		if wide {
			cols = append(cols, r.Rule)
		}
		cols = append(cols, r.TargetGroup)
		if wide {
			cols = append(cols, r.TargetType)
		}
		cols = append(cols, r.Target, state(r.State, color), dash(r.Reason))
		if wide {
			cols = append(cols, dash(r.Zone))
		}
		cols = append(cols, dash(who), ready)
		if wide {
			cols = append(cols, dash(r.Gate))
		}
		cols = append(cols, dash(strings.Join(r.Problems, ",")))
		if wide {
			cols = append(cols, dash(r.Description))
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	c := s.Count()
	fmt.Fprintf(w, "\n%d targets: %d healthy, %d unhealthy, %d draining, %d initial, %d other\n", len(s.Rows), c["healthy"], c["unhealthy"], c["draining"], c["initial"],
		len(s.Rows)-c["healthy"]-c["unhealthy"]-c["draining"]-c["initial"])
	for _, n := range s.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func state(s string, color bool) string {
	if !color {
		return s
	}
	switch s {
	case "healthy":
		return "\x1b[32m" + s + "\x1b[0m"
	case "unhealthy", "unavailable":
		return "\x1b[31m" + s + "\x1b[0m"
	case "draining", "initial":
		return "\x1b[33m" + s + "\x1b[0m"
	}
	return s
}
