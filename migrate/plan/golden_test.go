package plan

import (
	"testing"
)

// TestGoldenEstates plans each input estate and compares the plan JSON and
// the rendered manifests with the golden files (go test -update rewrites
// them).
func TestGoldenEstates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		aws   string
		opts  Options
		// short leaves the manifests out of the goldens (big estates
		// already covered by another case).
		short bool
	}{
		{name: "conflicts", files: []string{"testdata/estates/conflicts.yaml"}},
		{name: "conflicts-regroup", files: []string{"testdata/estates/conflicts.yaml"}, opts: Options{Regroup: true}},
		{name: "mixed-schemes", files: []string{"testdata/estates/mixed-schemes.yaml"}},
		{name: "existing-groups", files: []string{"testdata/estates/existing-groups.yaml"}},
		{name: "existing-groups-regroup", files: []string{"testdata/estates/existing-groups.yaml"}, opts: Options{Regroup: true}},
		{name: "named-ports", files: []string{"testdata/estates/named-ports.yaml"}},
		{name: "legacy-class", files: []string{"testdata/estates/legacy-class.yaml"}},
		{name: "actions-conditions", files: []string{"testdata/estates/actions-conditions.yaml"}},
		{name: "default-backend", files: []string{"testdata/estates/default-backend.yaml"}},
		{name: "other-controllers", files: []string{"testdata/estates/other-controllers.yaml"}},
		{name: "scan-estate-aws", files: []string{"../scan/testdata/estate"}, aws: "../scan/testdata/estate-aws.json"},
		{name: "scan-estate-no-aws", files: []string{"../scan/testdata/estate"}, short: true},
		{name: "scan-estate-cluster", files: []string{"../scan/testdata/estate"}, aws: "../scan/testdata/estate-aws.json", opts: Options{GroupBy: GroupBy{Mode: GroupByCluster}, Regroup: true}, short: true},
		{name: "scan-estate-none", files: []string{"../scan/testdata/estate"}, opts: Options{GroupBy: GroupBy{Mode: GroupByNone}}, short: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Build(topoFiles(t, tc.aws, tc.files...), tc.opts)
			golden(t, tc.name+".plan.json", planJSON(t, p))
			if !tc.short {
				golden(t, tc.name+".manifests.yaml", manifests(p))
			}
			again := Build(topoFiles(t, tc.aws, tc.files...), tc.opts)
			if string(planJSON(t, again)) != string(planJSON(t, p)) || string(manifests(again)) != string(manifests(p)) {
				t.Error("two plans of the same input differ")
			}
		})
	}
}
