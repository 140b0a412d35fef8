package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/health"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/lbctl/userfile"
	"github.com/lbctl/lbctl/lbctl/world"
	"github.com/lbctl/lbctl/tui/healthview"
)

// runTUI shows the health view, refreshed by the poller; repaints are capped
// at 10 per second.
//
// When AWS could not be read (awsErr), the view starts with the Kubernetes
// side under a banner saying why, and fills in once AWS answers. When the
// informers' calls keep failing (the API server down, access revoked), a
// banner says so until they are answered again.
func (o *healthOptions) runTUI(ctx context.Context, r *Root, s world.Scope, wo world.Options, t *topology.Topology, first health.Snapshot, awsErr error) error {
	keys, err := loadKeyMap(r.Streams)
	if err != nil {
		return err
	}
	p, err := world.NewPoller(ctx, r.worldClients(), s, wo, t, o.interval)
	if err != nil {
		return err
	}
	defer p.Stop()
	p.AWSErr = awsErr
	down := func() string {
		if p.AWSErr == nil {
			return ""
		}
		return awsReason(p.AWSErr)
	}
	firstDone := false
	source := func(ctx context.Context) healthview.SnapshotMsg {
		if !firstDone {
			firstDone = true
			return healthview.SnapshotMsg{Snapshot: first, Details: health.DetailsOf(t), Calls: p.Calls, AWSDown: down(), KubeDown: p.KubeDown()}
		}
		if err := p.Wait(ctx); err != nil {
			return healthview.SnapshotMsg{Err: err}
		}
		nt, err := p.Next(ctx)
		if err != nil {
			return healthview.SnapshotMsg{Calls: p.Calls, Err: err, AWSDown: down(), KubeDown: p.KubeDown()}
		}
		return healthview.SnapshotMsg{Snapshot: health.Build(nt, r.Factory.Clock.Now(), o.keep), Details: health.DetailsOf(nt),
			Calls: p.Calls, AWSDown: down(), KubeDown: p.KubeDown()}
	}
	region := ""
	if t.AWS != nil {
		region = t.AWS.Region
	} else if cfg, err := r.Factory.AWSConfig(ctx); err == nil {
		region = cfg.Region
	}
	ctxName := ""
	if raw, err := r.Factory.ConfigFlags.ToRawKubeConfigLoader().RawConfig(); err == nil {
		ctxName = raw.CurrentContext
	}
	m := healthview.New(ctx, source, healthview.Header{Cluster: t.Cluster, Region: region, Context: ctxName}, keys, r.Factory.Clock.Now)
	if kc, err := r.Factory.KubeClient(); err == nil {
		m = m.WithEvents(podEvents(kc))
	}
	prog := tea.NewProgram(m, r.teaOptions(ctx, tea.WithFPS(10))...)
	if _, err := prog.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("health view: %w", err)
	}
	return nil
}

// awsReason says in one line why AWS could not be read.
func awsReason(err error) string {
	var op *net.OpError
	switch {
	case errors.As(err, &op):
		return "AWS endpoint: " + op.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "AWS did not answer within 5s"
	}
	return firstLineOf(err)
}

// podEvents lists a pod's events, as `kubectl describe pod` does.
func podEvents(kc kubernetes.Interface) healthview.EventSource {
	return func(ctx context.Context, ns, pod string) ([]corev1.Event, error) {
		sel := fields.Set{"involvedObject.kind": "Pod", "involvedObject.name": pod, "involvedObject.namespace": ns}.AsSelector().String()
		l, err := kc.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			return nil, fmt.Errorf("list events of pod %s/%s: %w", ns, pod, err)
		}
		return l.Items, nil
	}
}

// keyMapPath is the user's keymap file: $XDG_CONFIG_HOME/lbctl/keys.yaml,
// else ~/.config/lbctl/keys.yaml ("" with neither variable set).
func keyMapPath(s *Streams) string {
	if dir := s.getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "lbctl", "keys.yaml")
	}
	if home := s.getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "lbctl", "keys.yaml")
	}
	return ""
}

// loadKeyMap reads the user's keymap over the default keys; without a file
// the defaults stand. The file is read bounded (userfile.SmallLimit); a
// device or FIFO there is refused.
func loadKeyMap(s *Streams) (healthview.KeyMap, error) {
	path := keyMapPath(s)
	if path == "" {
		return healthview.DefaultKeyMap(), nil
	}
	data, err := userfile.Read(path, userfile.SmallLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return healthview.DefaultKeyMap(), nil
	}
	if err != nil {
		return healthview.KeyMap{}, exitcode.New(exitcode.Usage, fmt.Sprintf("cannot read the keymap: %v", err), "make it a file, or remove it for the default keys", err)
	}
	km, err := healthview.ParseKeyMap(data)
	if err != nil {
		return healthview.KeyMap{}, usageError(fmt.Sprintf("%s: %v", path, err),
			"fix it, or remove it for the default keys (docs/health.md lists the actions)")
	}
	return km, nil
}
