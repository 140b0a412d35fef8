package lbc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLimitsFromAWS(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want func() Limits
	}{
		{"nothing known keeps defaults", nil, DefaultLimits},
		{
			name: "DescribeAccountLimits output",
			in: map[string]string{
				"application-load-balancers":                            "80",
				"target-groups":                                         "3000",
				"targets-per-application-load-balancer":                 "1000",
				"listeners-per-application-load-balancer":               "50",
				"rules-per-application-load-balancer":                   "200",
				"target-groups-per-application-load-balancer":           "100",
				"target-groups-per-action-on-application-load-balancer": "5",
				"certificates-per-application-load-balancer":            "25",
				"targets-per-target-group":                              "1000",
				"condition-values-per-alb-rule":                         "5",
				"condition-wildcards-per-alb-rule":                      "5",
				"network-load-balancers":                                "50",
			},
			want: func() Limits {
				l := DefaultLimits()
				l.ALBsPerRegion = 80
				l.RulesPerALB = 200
				return l
			},
		},
		{
			name: "float and junk values",
			in:   map[string]string{"rules-per-application-load-balancer": "150.0", "listeners-per-application-load-balancer": "many"},
			want: func() Limits {
				l := DefaultLimits()
				l.RulesPerALB = 150
				return l
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want(), LimitsFromAWS(tt.in)); diff != "" {
				t.Errorf("limits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	want := Limits{ALBsPerRegion: 50, TargetGroupsPerRegion: 3000, ListenersPerALB: 50, RulesPerALB: 100, TargetGroupsPerALB: 100,
		TargetGroupsPerAction: 5, CertificatesPerALB: 25, TargetsPerALB: 1000, TargetsPerTargetGroup: 1000,
		ConditionValuesPerRule: 5, ConditionWildcardsPerRule: 5}
	t.Run("AWS defaults", func(t *testing.T) {
		if diff := cmp.Diff(want, DefaultLimits()); diff != "" {
			t.Errorf("limits (-want +got):\n%s", diff)
		}
	})
}
