package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// DoctorStatus is the verdict of one doctor check.
type DoctorStatus string

// The verdicts, from good to bad; only fail makes doctor exit 1.
const (
	DoctorOK         DoctorStatus = "ok"
	DoctorNotChecked DoctorStatus = "not-checked"
	DoctorWarn       DoctorStatus = "warn"
	DoctorFail       DoctorStatus = "fail"
)

// DoctorCheck is one line of doctor's report: what was checked, the verdict,
// what was found or is missing, and how to fix it.
type DoctorCheck struct {
	// Check names the check as area/subject ("rbac/scan", "iam/elasticloadbalancing:DescribeRules").
	Check   string       `json:"check"`
	Status  DoctorStatus `json:"status"`
	Message string       `json:"message"`
	Fix     string       `json:"fix,omitempty"`
}

// DoctorReport is doctor's -o json document.
type DoctorReport struct {
	Checks []DoctorCheck        `json:"checks"`
	Counts map[DoctorStatus]int `json:"counts"`
}

// Failed reports whether any check failed.
func (r DoctorReport) Failed() bool { return r.Counts[DoctorFail] > 0 }

type doctorOptions struct {
	output string
	noAWS  bool
}

func newDoctorCmd(r *Root) *cobra.Command {
	o := &doctorOptions{}
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check that the cluster, the controller and AWS give lbctl what its commands need",
		Long: `Check, one line each, what the other commands need and say how to fix what is missing:
the kube context answers; the RBAC verbs of scan, health, plan, loadtest and migrate (asked of
the API server with SelfSubjectAccessReviews, from the same registry ` + "`rbac`" + ` prints); the AWS
Load Balancer Controller's Deployment, its version and the features a migration relies on
(IngressGroup, pod readiness gates, weighted target groups, IngressClassParams), its pod
webhook, the IngressClass alb and the controller's CRDs; the AWS region, credentials and
identity (STS GetCallerIdentity); and each IAM action lbctl calls, by one cheap Describe call
with the smallest page (an action with no such call is reported as not-checked).

With -n, namespaced RBAC is checked in that namespace (a Role is enough); without, across all
namespaces (what -A needs). --no-aws skips the AWS checks. Exit 0 when no check failed, 1
otherwise.`,
		Example: `  kubectl lbctl doctor
  kubectl lbctl doctor -n shop -o json | jq '.checks[] | select(.status != "ok")'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			d := &doctor{r: r, noAWS: o.noAWS}
			if f := c.Flags().Lookup("namespace"); f != nil && f.Changed {
				d.namespace = strings.TrimSpace(f.Value.String())
			}
			return o.run(c.Context(), r, d.run(c.Context()))
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	c.Flags().BoolVar(&o.noAWS, "no-aws", false, "skip the AWS checks (for runs of the other commands with --no-aws)")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func (o *doctorOptions) validate() error {
	switch o.output {
	case "text", "json":
		return nil
	}
	return exitcode.New(exitcode.Usage, fmt.Sprintf("--output %q is not one of text, json", o.output), "", exitcode.ErrUsage)
}

func (o *doctorOptions) run(_ context.Context, r *Root, checks []DoctorCheck) error {
	rep := newDoctorReport(checks)
	var err error
	if o.output == "json" {
		err = writeDoctorJSON(r.Streams.Out, rep)
	} else {
		err = writeDoctorText(r.Streams.Out, rep)
	}
	if err != nil {
		return err
	}
	if rep.Failed() {
		return exitcode.New(exitcode.CheckFailed, fmt.Sprintf("%d of %d checks failed", rep.Counts[DoctorFail], len(rep.Checks)),
			"each fail line says what is missing and how to fix it", exitcode.ErrCheckFailed)
	}
	return nil
}

func newDoctorReport(checks []DoctorCheck) DoctorReport {
	rep := DoctorReport{Checks: checks, Counts: map[DoctorStatus]int{DoctorOK: 0, DoctorWarn: 0, DoctorFail: 0, DoctorNotChecked: 0}}
	if rep.Checks == nil {
		rep.Checks = []DoctorCheck{}
	}
	for _, c := range checks {
		rep.Counts[c.Status]++
	}
	return rep
}

func writeDoctorJSON(w io.Writer, rep DoctorReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeDoctorText prints one line per check: verdict, check, message and,
// when there is one, the fix; then a count.
func writeDoctorText(w io.Writer, rep DoctorReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range rep.Checks {
		line := c.Message
		if c.Fix != "" {
			line += " — fix: " + c.Fix
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Status, c.Check, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d ok, %d warn, %d fail, %d not checked\n",
		rep.Counts[DoctorOK], rep.Counts[DoctorWarn], rep.Counts[DoctorFail], rep.Counts[DoctorNotChecked])
	return err
}
