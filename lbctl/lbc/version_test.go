package lbc

import "testing"

func TestImageTag(t *testing.T) {
	tests := []struct{ image, want string }{
		{"public.ecr.aws/eks/aws-load-balancer-controller:v2.13.0", "v2.13.0"},
		{"602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-load-balancer-controller:v2.4.7@sha256:abc", "v2.4.7"},
		{"localhost:5000/aws-load-balancer-controller", ""},
		{"aws-load-balancer-controller", ""},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if got := ImageTag(tt.image); got != tt.want {
				t.Errorf("ImageTag(%q) = %q, want %q", tt.image, got, tt.want)
			}
		})
	}
}

func TestVersionAtLeast(t *testing.T) {
	tests := []struct {
		v, min    string
		ok, known bool
	}{
		{"v2.13.0", "v2.0.0", true, true},
		{"v2.2.0", "v2.2.0", true, true},
		{"v2.1.3", "v2.2.0", false, true},
		{"v1.1.9", "v2.0.0", false, true},
		{"v2.10", "v2.2.0", true, true},
		{"v2.7.0-rc1", "v2.2.0", true, true},
		{"latest", "v2.0.0", false, false},
		{"", "v2.0.0", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			ok, known := VersionAtLeast(tt.v, tt.min)
			if ok != tt.ok || known != tt.known {
				t.Errorf("VersionAtLeast(%q, %q) = %v, %v; want %v, %v", tt.v, tt.min, ok, known, tt.ok, tt.known)
			}
		})
	}
}

func TestFeaturesHaveVersions(t *testing.T) {
	for _, f := range Features() {
		if _, known := VersionAtLeast(f.Since, f.Since); !known || f.Name == "" {
			t.Errorf("feature %+v: name and a release tag needed", f)
		}
	}
}

func TestBehavioursSinceReleases(t *testing.T) {
	missing := func(tag string) map[string]bool {
		out := map[string]bool{}
		for _, b := range Behaviours() {
			if ok, known := VersionAtLeast(tag, b.Since); !known {
				t.Fatalf("behaviour %+v: no release tag", b)
			} else if !ok {
				out[b.Name] = true
			}
		}
		return out
	}
	old := missing("v2.10.0")
	if !old["minimum-load-balancer-capacity and IngressClassParams minimumLoadBalancerCapacity reserve ALB capacity"] || old["mutual-authentication sets HTTPS listeners' mutual TLS"] {
		t.Errorf("v2.10.0 lacks capacity reservation (v2.11.0) but has mutual TLS (v2.7.0): missing %v", old)
	}
	if m := missing(ModelVersion); len(m) != 0 {
		t.Errorf("the modelled release misses %v", m)
	}
}
