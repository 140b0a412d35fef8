package emulator

import (
	"io"
	"net/http"
	"strconv"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
)

// TestListenerDefaultsOverHTTP: what the controller's listeners answer,
// sent as real HTTP to the data plane: with ssl-redirect the HTTP listener
// redirects to HTTPS (301, Location on the redirect port); a request no
// rule matches gets the controller's 404, text/plain with no body.
func TestListenerDefaultsOverHTTP(t *testing.T) {
	objs := httpsIngress("web.example.com", map[string]string{
		lbc.Key(lbc.SuffixCertificateARN): certARN("one"),
		lbc.Key(lbc.SuffixSSLRedirect):    "443",
	})
	state := awsendpoint.NewState()
	kc := fake.NewClientset(&objs.Ingresses[0])
	dc := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		v1beta1.TargetGroupBindingsResource: "TargetGroupBindingList",
		v1beta1.IngressClassParamsResource:  "IngressClassParamsList",
	})
	plane := dataplane.New(dataplane.Options{})
	t.Cleanup(func() { _ = plane.Close() })
	d := lbc.DefaultDefaults()
	d.ClusterName = "test"
	e := New(kc, dc, state, awsendpoint.NewNamer("us-west-2", "123456789012", 1), plane,
		Options{Defaults: d, PortOffset: 31100, ALBAddressBase: "127.83.202"})
	e.listers.objs = func() *kube.Objects { return objs }
	if err := e.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	lbs := e.LoadBalancers()
	if len(lbs) != 1 {
		t.Fatalf("%d ALBs", len(lbs))
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(port int, host string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+lbs[0].IP+":"+strconv.Itoa(port+31100)+"/x", nil)
		req.Host = host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	resp, _ := get(80, "web.example.com")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "https://web.example.com:443/x" {
		t.Errorf("HTTP listener with ssl-redirect: %d Location %q, want 301 to https://web.example.com:443/x", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Without ssl-redirect, on a host no rule matches: 404, no body.
	delete(objs.Ingresses[0].Annotations, lbc.Key(lbc.SuffixSSLRedirect))
	objs.Ingresses[0].Spec.Rules[0].Host = "other.example.com"
	if err := e.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp, body := get(80, "web.example.com")
	if resp.StatusCode != http.StatusNotFound || body != "" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("unmatched request: %d %q %q, want 404 text/plain with no body", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
