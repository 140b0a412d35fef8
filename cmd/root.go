// Package cmd is lbctl's command tree: one file per leaf command (a parent's
// file, e.g. loadtest.go, holds what its leaves share), each leaf a thin
// options type whose RunE calls complete (flags and arguments into typed
// config), validate and run, in that order, over the libraries in lbctl/,
// migrate/, loadtest/ and tui/. Only this package prints: structured output
// through printStructured, bad usage as usageError.
package cmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// GlobalOptions are the flags every command shares beyond kubectl's.
type GlobalOptions struct {
	Color     string
	Verbosity int
}

// Root is the assembled command tree with what its commands share.
type Root struct {
	Cmd     *cobra.Command
	Factory *Factory
	Streams *Streams
	Global  *GlobalOptions
	// started is set once flags parsed and a command began to run: an error
	// before that is a usage error.
	started bool
}

// NewRoot builds the command tree. displayName is how help spells the
// command ("kubectl lbctl" when run as a plugin).
func NewRoot(streams *Streams, f *Factory, displayName string) *Root {
	r := &Root{Factory: f, Streams: streams, Global: &GlobalOptions{Color: "auto"}}
	c := &cobra.Command{
		Use:   "lbctl",
		Short: "Move ALB ingresses from NodePort instance targets to shared-ALB ip targets, safely",
		Long: `lbctl scans a cluster joined with AWS for Ingresses and Services that still send ALB
traffic through NodePorts (instance targets), plans and carries out the move to ip targets on
one shared ALB per ingress group, and measures the result: live target health and load tests
of the old path against the new one.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: displayName},
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			r.started = true
			switch r.Global.Color {
			case "auto", "always", "never":
			default:
				return usageError(fmt.Sprintf("--color %q is not one of auto, always, never", r.Global.Color), "")
			}
			return r.setVerbosity()
		},
	}
	c.SetIn(streams.In)
	c.SetOut(streams.Out)
	c.SetErr(streams.ErrOut)
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError(err.Error(), "see '"+displayName+" --help'")
	})

	pf := c.PersistentFlags()
	f.ConfigFlags.AddFlags(pf)
	pf.StringVar(&f.AWS.Region, "region", "", "AWS region (default: the SDK's AWS_REGION or shared config)")
	pf.StringVar(&f.AWS.Profile, "profile", "", "AWS shared config profile (default: AWS_PROFILE)")
	pf.StringVar(&r.Global.Color, "color", "auto", "colour output: auto, always or never (NO_COLOR and TERM=dumb turn auto off)")
	pf.IntVarP(&r.Global.Verbosity, "v", "v", 0, "log verbosity (klog levels; 6 shows API calls)")

	c.AddCommand(
		newVersionCmd(r),
		newCompletionCmd(r),
		newScanCmd(r),
		newRenderCmd(r),
		newDiffCmd(r),
		newPlanCmd(r),
		newSandboxCmd(r),
		newDemoCmd(r),
		newHealthCmd(r),
		newLoadtestCmd(r),
		newIAMPolicyCmd(r),
		newRBACCmd(r),
		newDoctorCmd(r),
		newMigrateCmd(r),
		newDocsCmd(r),
	)
	r.Cmd = c
	return r
}

// setVerbosity hands -v to klog, which client-go logs through.
func (r *Root) setVerbosity() error {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	// client-go logs through klog; at -v 0 its noise (e.g. lists cancelled
	// after another failed) stays out of the one-line errors users read.
	if r.Global.Verbosity > 0 {
		klog.SetOutput(r.Streams.ErrOut)
	} else {
		klog.SetOutput(io.Discard)
	}
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("alsologtostderr", "false")
	return fs.Set("v", fmt.Sprint(r.Global.Verbosity))
}

// Color reports whether output should be coloured.
func (r *Root) Color() bool { return r.Streams.ColorEnabled(r.Global.Color) }

// DisplayName is how help and messages spell the command.
func (r *Root) DisplayName() string {
	return r.Cmd.Annotations[cobra.CommandDisplayNameAnnotation]
}

// displayNameFor returns "kubectl lbctl" when the binary runs as a kubectl
// plugin (kubectl-lbctl), else the binary's own name.
func displayNameFor(arg0 string) string {
	base := strings.TrimSuffix(filepath.Base(arg0), ".exe")
	if rest, ok := strings.CutPrefix(base, "kubectl-"); ok && rest != "" {
		return "kubectl " + strings.ReplaceAll(rest, "_", "-")
	}
	if base == "" || base == "." {
		return "lbctl"
	}
	return base
}

// Main runs the command line and returns the process exit code. It is the one
// place errors become exit codes and messages.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	streams := SystemStreams()
	name := "lbctl"
	if len(args) > 0 {
		name = displayNameFor(args[0])
		args = args[1:]
	}
	return Run(ctx, streams, NewFactory(), name, args)
}

// Run executes the command tree with the given streams and factory and returns
// the exit code; tests call it directly.
func Run(ctx context.Context, streams *Streams, f *Factory, name string, args []string) int {
	r := NewRoot(streams, f, name)
	buildinfo.SetCommand(name)
	if len(args) > 0 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) {
		// Only a completion request needs them, and cobra keeps flag
		// completions in a process-wide map for good.
		r.addCompletions()
	}
	r.Cmd.SetArgs(args)
	err := r.Cmd.ExecuteContext(ctx)
	// client-go's background goroutines (dials, cancelled lists) may still
	// log after the command returns: stop klog writing to these streams.
	klog.Flush()
	klog.SetOutput(io.Discard)
	if err == nil {
		return exitcode.OK
	}
	code, msg := Explain(err)
	if !r.started && code == exitcode.CheckFailed {
		code = exitcode.Usage
	}
	if msg != "" {
		fmt.Fprintln(streams.ErrOut, "error: "+msg)
	}
	return code
}
