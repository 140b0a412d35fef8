package scan_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

var update = flag.Bool("update", false, "rewrite golden files")

// LoadEstate reads the example estate and, when withAWS, its AWS state, as
// a read of every namespace of the cluster.
func loadEstate(t *testing.T, withAWS bool) *topology.Topology {
	return loadEstateScoped(t, withAWS, topology.Scope{AllNamespaces: true})
}

// loadEstateScoped reads the example estate as a read with scope s would
// (narrow keeps the Ingresses it lists).
func loadEstateScoped(t *testing.T, withAWS bool, s topology.Scope) *topology.Topology {
	t.Helper()
	objs, err := kube.ReadFiles([]string{"testdata/estate"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	narrow(t, objs, s)
	var st *awsapi.State
	if withAWS {
		b, err := os.ReadFile("testdata/estate-aws.json")
		if err != nil {
			t.Fatal(err)
		}
		st = &awsapi.State{}
		if err := json.Unmarshal(b, st); err != nil {
			t.Fatal(err)
		}
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = "prod"
	return topology.Build(objs, st, topology.Options{Defaults: d, Scope: s})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update to accept):\n%s", path, diff)
	}
}

func TestGoldenReports(t *testing.T) {
	for _, tc := range []struct {
		name    string
		withAWS bool
	}{{"estate-aws", true}, {"estate-no-aws", false}} {
		t.Run(tc.name, func(t *testing.T) {
			rep := scan.Build(loadEstate(t, tc.withAWS), scan.Options{})
			b, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".json", append(b, '\n'))
		})
	}
}

// TestEstateCoversEveryFinding keeps the example estate honest: every
// finding the scanner knows appears in it at least once.
func TestEstateCoversEveryFinding(t *testing.T) {
	rep := scan.Build(loadEstate(t, true), scan.Options{})
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		seen[f.Code] = true
	}
	for _, code := range []string{
		scan.CodeInstanceMode, scan.CodeNodePortOnly, scan.CodeOwnALB, scan.CodeGroupConflict,
		scan.CodeSubnetALB, scan.CodeReadinessGateLabel, scan.CodePreStop, scan.CodeNamedHealthPort,
		scan.CodeClusterIPInstance, scan.CodeOrphanALB, scan.CodeOrphanTargetGroup, scan.CodeOtherController,
		scan.CodeAnnotationInvalid, scan.CodeTargetsUnhealthy,
	} {
		if !seen[code] {
			t.Errorf("no %s finding in the estate", code)
		}
	}
}
