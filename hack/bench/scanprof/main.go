// Command scanprof is kubectl-lbctl with profiling hooks for benchmarks, so
// that cmd/ needs none. It runs the same command tree (cmd.Run) and reads:
//
//	LBCTL_CPUPROFILE=FILE   write a CPU profile (go tool pprof FILE)
//	LBCTL_MEMPROFILE=FILE   write a heap profile (allocations) at exit
//	LBCTL_TRACE=FILE        write an execution trace (go tool trace FILE)
//	LBCTL_NO_GZIP=1         do not ask the API server to gzip responses (an
//	                        experiment: the real binary keeps client-go's default)
//
//	go build -o /tmp/scanprof ./hack/bench/scanprof
//	LBCTL_CPUPROFILE=/tmp/cpu.pprof /tmp/scanprof scan -A --no-aws -o json >/dev/null
//	go tool pprof -top /tmp/scanprof /tmp/cpu.pprof
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"syscall"

	"k8s.io/client-go/rest"

	"github.com/lbctl/lbctl/cmd"
)

func main() { os.Exit(run()) }

func run() int {
	if p := os.Getenv("LBCTL_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "scanprof:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "scanprof:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if p := os.Getenv("LBCTL_TRACE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "scanprof:", err)
			return 1
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			fmt.Fprintln(os.Stderr, "scanprof:", err)
			return 1
		}
		defer trace.Stop()
	}
	if p := os.Getenv("LBCTL_MEMPROFILE"); p != "" {
		runtime.MemProfileRate = 512 * 1024
		defer func() {
			f, err := os.Create(p)
			if err != nil {
				fmt.Fprintln(os.Stderr, "scanprof:", err)
				return
			}
			defer f.Close()
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
		}()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := cmd.NewFactory()
	if os.Getenv("LBCTL_NO_GZIP") != "" {
		f.ConfigFlags.WrapConfigFn = func(c *rest.Config) *rest.Config {
			c.DisableCompression = true
			return c
		}
	}
	return cmd.Run(ctx, cmd.SystemStreams(), f, "kubectl lbctl", os.Args[1:])
}
