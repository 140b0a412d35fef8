package lbc

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// controllerFlag applies one controller flag's value to Defaults.
type controllerFlag struct {
	apply func(d *Defaults, v string) error
	// bool flags may be given without a value.
	isBool bool
}

// controllerFlags are the controller's flags that change the model it
// builds from Ingresses; every other flag is accepted and ignored.
var controllerFlags = map[string]controllerFlag{
	"cluster-name":  {apply: func(d *Defaults, v string) error { d.ClusterName = v; return nil }},
	"ingress-class": {apply: func(d *Defaults, v string) error { d.IngressClass = v; return nil }},
	"default-target-type": {apply: func(d *Defaults, v string) error {
		if !oneOf(v, string(v1beta1.TargetTypeInstance), string(v1beta1.TargetTypeIP)) {
			return fmt.Errorf("want instance or ip")
		}
		d.TargetType = v1beta1.TargetType(v)
		return nil
	}},
	"default-load-balancer-scheme": {apply: func(d *Defaults, v string) error {
		if !oneOf(v, SchemeInternal, SchemeInternetFacing) {
			return fmt.Errorf("want internal or internet-facing")
		}
		d.Scheme = v
		return nil
	}},
	"default-ssl-policy": {apply: func(d *Defaults, v string) error { d.SSLPolicy = v; return nil }},
	"default-tags": {apply: func(d *Defaults, v string) error {
		m, err := ParseStringMap(v, "--default-tags")
		d.DefaultTags = m
		return err
	}},
	"external-managed-tags": {apply: func(d *Defaults, v string) error { d.ExternalManagedTags = ParseStringList(v); return nil }},
	"feature-gates": {apply: func(d *Defaults, v string) error {
		gates := map[string]bool{}
		for _, kv := range ParseStringList(v) {
			k, val, ok := strings.Cut(kv, "=")
			b, err := strconv.ParseBool(strings.TrimSpace(val))
			if !ok || err != nil {
				return fmt.Errorf("want NAME=true|false pairs, got %q", kv)
			}
			gates[strings.TrimSpace(k)] = b
		}
		d.FeatureGates = gates
		return nil
	}},
	"enable-backend-security-group": {isBool: true, apply: func(d *Defaults, v string) error {
		b, err := strconv.ParseBool(v)
		d.BackendSecurityGroup = b
		return err
	}},
	"backend-security-group": {apply: func(d *Defaults, v string) error { d.BackendSecurityGroupID = v; return nil }},
	"disable-ingress-class-annotation": {isBool: true, apply: func(d *Defaults, v string) error {
		b, err := strconv.ParseBool(v)
		d.DisableClassAnnotation = b
		return err
	}},
	"disable-ingress-group-name-annotation": {isBool: true, apply: func(d *Defaults, v string) error {
		b, err := strconv.ParseBool(v)
		d.DisableGroupNameAnnotation = b
		return err
	}},
	"tolerate-non-existent-backend-service": {isBool: true, apply: func(d *Defaults, v string) error {
		b, err := strconv.ParseBool(v)
		d.TolerateMissingService = b
		return err
	}},
	"tolerate-non-existent-backend-action": {isBool: true, apply: func(d *Defaults, v string) error {
		b, err := strconv.ParseBool(v)
		d.TolerateMissingAction = b
		return err
	}},
}

// ModelFlags lists the controller flags that change the model, sorted.
func ModelFlags() []string {
	out := make([]string, 0, len(controllerFlags))
	for k := range controllerFlags {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ApplyControllerArgs applies the controller's command-line arguments (as
// its Deployment lists them: "--name=value", "--name value", "--bool") to
// d. Flags that do not change the model are skipped; a bad value of one
// that does is an error naming the flag.
func ApplyControllerArgs(d Defaults, args []string) (Defaults, error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name := strings.TrimLeft(a, "-")
		val, hasVal := "", false
		if k, v, ok := strings.Cut(name, "="); ok {
			name, val, hasVal = k, v, true
		}
		f, known := controllerFlags[name]
		if !hasVal {
			switch {
			case f.isBool:
				val, hasVal = "true", true
			case i+1 < len(args) && !strings.HasPrefix(args[i+1], "--"):
				i++
				val, hasVal = args[i], true
			}
		}
		if !known {
			continue
		}
		if !hasVal {
			return d, fmt.Errorf("controller flag --%s has no value", name)
		}
		var err error
		if d, err = applyFlag(d, f, val); err != nil {
			return d, fmt.Errorf("controller flag --%s=%s: %w", name, val, err)
		}
	}
	return d, nil
}

func applyFlag(d Defaults, f controllerFlag, v string) (Defaults, error) {
	err := f.apply(&d, v)
	return d, err
}

// SplitControllerArgs splits a --controller-args string into arguments at
// spaces, as a shell would without quotes.
func SplitControllerArgs(s string) []string {
	return strings.Fields(s)
}
