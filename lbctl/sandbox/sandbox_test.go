package sandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
)

func startSandbox(t *testing.T, o Options) *Sandbox {
	t.Helper()
	if testing.Verbose() {
		o.Logf = t.Logf
	}
	s, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	if err := s.WaitReady(context.Background(), 60*time.Second); err != nil {
		t.Fatal(err)
	}
	return s
}

// get sends a real request through an ALB, reached by its DNS name.
func get(t *testing.T, s *Sandbox, host, dns string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: s.Dialer()}}
	req, _ := http.NewRequest("GET", "http://"+dns+"/", nil)
	req.Host = host
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s via %s: %v", host, dns, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestDefaultScenarioInProcess(t *testing.T) {
	s := startSandbox(t, Options{InProcess: true, PortOffset: -1})
	ctx := context.Background()
	ing, err := s.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, "storefront", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dns := ing.Status.LoadBalancer.Ingress[0].Hostname
	if !strings.HasSuffix(dns, ".elb.amazonaws.com") {
		t.Fatalf("ingress hostname = %q", dns)
	}
	pods := map[string]int{}
	for range 20 {
		resp, _ := get(t, s, "storefront.team-a.example.com", dns)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		pods[resp.Header.Get(dataplane.PodHeader)]++
	}
	if len(pods) != 2 {
		t.Errorf("requests reached pods %v, want both storefront pods", pods)
	}
	resp, _ := get(t, s, "nope.example.com", dns)
	if resp.StatusCode != 404 || resp.Header.Get("Server") != dataplane.ALBServer {
		t.Errorf("unmatched host: %d %q", resp.StatusCode, resp.Header.Get("Server"))
	}
	lbs := s.AWS.State().Snapshot().LoadBalancers
	if len(lbs) != 6 {
		t.Errorf("%d ALBs, want one per Ingress (6)", len(lbs))
	}
	fmt.Fprintln(os.Stderr, strings.Join(s.Resolve(), "\n"))
}
