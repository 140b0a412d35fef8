package plan

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

func TestParseGroupBy(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    GroupBy
		wantErr bool
	}{
		{in: "namespace", want: GroupBy{Mode: GroupByNamespace}},
		{in: "cluster", want: GroupBy{Mode: GroupByCluster}},
		{in: "none", want: GroupBy{Mode: GroupByNone}},
		{in: "label=team", want: GroupBy{Mode: GroupByLabel, Label: "team"}},
		{in: "label=", wantErr: true},
		{in: "label", wantErr: true},
		{in: "ns", wantErr: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseGroupBy(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Error(diff)
			}
			if err == nil && got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	top := &topology.Topology{}
	o := Options{}.withDefaults(top)
	if o.GroupBy.Mode != GroupByNamespace || o.PricePerHour != DefaultPricePerHour || o.DNS != DNSExternalDNS || o.Soak != 5*time.Minute || o.Suffix != "-ip" {
		t.Errorf("defaults = %+v", o)
	}
	if diff := cmp.Diff([]int{10, 50, 100}, o.Steps); diff != "" {
		t.Error(diff)
	}
	if o.Limits != lbc.DefaultLimits() {
		t.Errorf("limits = %+v", o.Limits)
	}
	if got := (Options{Steps: []int{25, 75}}).withDefaults(top).Steps; !cmp.Equal(got, []int{25, 75, 100}) {
		t.Errorf("steps = %v, want the last at 100", got)
	}
}

func TestEmptyTopology(t *testing.T) {
	p := Build(build(&kube.Objects{}, nil), Options{})
	if len(p.Groups) != 0 || len(p.Phases) != 7 || p.HasErrors() || len(p.Files()) != 1 {
		t.Errorf("empty plan = %+v, files %d", p, len(p.Files()))
	}
}
