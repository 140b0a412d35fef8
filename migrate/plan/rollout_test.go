package plan

import (
	"strings"
	"testing"
)

func TestPreStopPatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs string // target-group-attributes on the Ingress
		sleep string // preStop on the container
		warn  bool
		patch string
		knobs []string
	}{
		// The sleep covers the deregistration reaching every ALB node (15 s),
		// never the deregistration delay; the grace period covers the sleep,
		// the delay and 5 s of shutdown.
		{name: "no preStop, default delay", warn: true, patch: `"terminationGracePeriodSeconds":320,"containers":[{"name":"app","lifecycle":{"preStop":{"sleep":{"seconds":15}}}}]`,
			knobs: []string{"deregistration_delay.timeout_seconds to your longest request (e.g. 30, then a grace period of 50)"}},
		{name: "short sleep, low delay", attrs: "deregistration_delay.timeout_seconds=20", sleep: "5", warn: true, patch: `"terminationGracePeriodSeconds":40,"containers":[{"name":"app","lifecycle":{"preStop":{"sleep":{"seconds":15}}}}]`},
		{name: "a sleep that covers the propagation, whatever the delay", sleep: "15"},
		{name: "long enough", attrs: "deregistration_delay.timeout_seconds=20", sleep: "25"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ann := map[string]string{}
			if tc.attrs != "" {
				ann["alb.ingress.kubernetes.io/target-group-attributes"] = tc.attrs
			}
			ctr := "{name: app, image: x, ports: [{name: http, containerPort: 8080}]}"
			if tc.sleep != "" {
				ctr = "{name: app, image: x, ports: [{name: http, containerPort: 8080}], lifecycle: {preStop: {exec: {command: [sleep, \"" + tc.sleep + "\"]}}}}"
			}
			dep := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - " + ctr + "\n"
			p := Build(topoYAML(t, docs(albClass, dep, yService("a", "web", 30001), yIngress("a", "web", "web.example.com", "web", ann))), Options{})
			fs := findingsWith(p, "prestop-sleep")
			if (len(fs) == 1) != tc.warn {
				t.Fatalf("prestop findings: %+v", fs)
			}
			if tc.warn && !strings.Contains(fs[0].Remedy, "kubectl patch deployment web -n a --type strategic -p '{\"spec\":{\"template\":{\"spec\":{"+tc.patch) {
				t.Errorf("remedy = %s", fs[0].Remedy)
			}
			for _, k := range tc.knobs {
				if !strings.Contains(fs[0].Remedy, k) {
					t.Errorf("remedy lacks %q: %s", k, fs[0].Remedy)
				}
			}
		})
	}
}

func TestRestartAndLabel(t *testing.T) {
	p := Build(topoYAML(t, oneApp()), Options{})
	create := p.Phases[1]
	if !strings.Contains(create.Steps[0].Action, "label namespace(s) a with elbv2.k8s.aws/pod-readiness-gate-inject=enabled") {
		t.Errorf("first create step = %q", create.Steps[0].Action)
	}
	restart := p.Phases[2]
	if len(restart.Steps) != 1 || restart.Steps[0].Action != "kubectl rollout restart -n a deployment/web" {
		t.Fatalf("restart steps = %+v", restart.Steps)
	}
	tg := ""
	for _, r := range p.Replacements {
		if r.Action == Create && r.Kind == "TargetGroup" {
			tg = r.Name
		}
	}
	if !strings.Contains(restart.Steps[0].WaitFor, "target-health.elbv2.k8s.aws/"+tg) {
		t.Errorf("restart waits for %q, want the new target group's gate %s", restart.Steps[0].WaitFor, tg)
	}
}

// TestPhasesMakeBeforeBreak checks the order of the phases and that the old
// Ingress is deleted only after the last traffic step, and Services turn
// ClusterIP only after that.
func TestPhasesMakeBeforeBreak(t *testing.T) {
	p := Build(topoYAML(t, oneApp()), Options{})
	var names []string
	for _, ph := range p.Phases {
		names = append(names, ph.Name)
	}
	want := []string{PhasePreflight, PhaseCreate, PhaseRestart, PhaseWait, PhaseShift, PhaseCleanup, PhaseVerify}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("phases = %v", names)
	}
	shift := p.Phases[4].Steps
	if len(shift) != 3 || !strings.Contains(shift[2].Action, "100%") || !strings.Contains(shift[2].WaitFor, "no more requests") {
		t.Errorf("shift steps = %+v", shift)
	}
	cleanup := p.Phases[5].Steps
	if len(cleanup) != 2 || !strings.HasPrefix(cleanup[0].Action, "delete the old Ingresses") || !strings.Contains(cleanup[1].Action, "ClusterIP") {
		t.Errorf("cleanup steps = %+v", cleanup)
	}
	for _, ph := range p.Phases[1:6] {
		for _, st := range ph.Steps {
			if st.Undo == "" {
				t.Errorf("step %q has no undo", st.Action)
			}
			if st.Manifest != "" && fileNamed(p, st.Manifest) == nil {
				t.Errorf("step %q names a missing manifest %s", st.Action, st.Manifest)
			}
		}
	}
}
