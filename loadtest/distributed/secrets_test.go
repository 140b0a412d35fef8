package distributed

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lbctl/lbctl/loadtest"
)

// The targets' secret headers stay out of the spec and the Job (which the
// API server shows to whoever may read Jobs): the Job's pods read them
// from a Secret, and the workers add them back.
func TestSpecKeepsSecretsOutOfTheJob(t *testing.T) {
	const token = "Bearer s3cr3t-token"
	shape, _ := loadtest.NewShape(loadtest.ShapeOptions{Rate: 100, Duration: time.Minute})
	o := loadtest.Options{Shape: shape, SecretHeaders: []string{"X-Custom"}, Targets: []loadtest.Target{
		{Name: "a", Method: "GET", URL: "http://a.example.com/", Header: http.Header{"Authorization": {token}, "X-Custom": {"c0ffee"}, "X-Team": {"a"}}},
		{Name: "b", Method: "GET", URL: "http://b.example.com/"},
	}}
	spec, err := NewSpec(o, 2, time.Now(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := spec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	data, err := spec.SecretData()
	if err != nil || !strings.Contains(string(data), "s3cr3t") || !strings.Contains(string(data), "c0ffee") {
		t.Fatalf("secret data %s, %v", data, err)
	}
	job, err := Job(JobOptions{Name: "lbctl-loadtest-s", Namespace: "ci", Image: "i", Workers: 2, Spec: enc, Secret: "lbctl-loadtest-s"})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(job)
	if strings.Contains(string(js), "s3cr3t") || strings.Contains(string(js), "c0ffee") || !strings.Contains(string(js), `X-Team`) {
		t.Errorf("the Job holds a secret, or lost a header:\n%s", js)
	}
	env := job.Spec.Template.Spec.Containers[0].Env
	if len(env) != 2 || env[1].Name != EnvSecrets || env[1].ValueFrom == nil || env[1].ValueFrom.SecretKeyRef.Name != "lbctl-loadtest-s" || env[1].ValueFrom.SecretKeyRef.Key != SecretKey {
		t.Errorf("env %+v, want the spec and the Secret's key", env)
	}
	// The worker's side.
	got, err := DecodeSpec(enc)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.AddSecrets(string(data)); err != nil {
		t.Fatal(err)
	}
	wo := got.Options()
	if h := wo.Targets[0].Header; h.Get("Authorization") != token || h.Get("X-Custom") != "c0ffee" || h.Get("X-Team") != "a" || len(wo.SecretHeaders) != 1 {
		t.Errorf("the worker's targets %+v, secret headers %v", wo.Targets, wo.SecretHeaders)
	}
	if err := got.AddSecrets(`{"7":{"Authorization":["x"]}}`); err == nil {
		t.Error("secret headers of a target the spec does not have were accepted")
	}
	// No secret header: no Secret.
	plain := o
	plain.Targets = o.Targets[1:]
	if s, _ := NewSpec(plain, 2, time.Now(), time.Second); s != nil {
		if d, _ := s.SecretData(); d != nil {
			t.Errorf("secret data %s for targets without a secret header", d)
		}
	}
}
