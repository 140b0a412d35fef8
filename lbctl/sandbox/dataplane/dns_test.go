package dataplane

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRecordsResolveByWeight(t *testing.T) {
	p := newTestPlane(t, Options{Rand: rand.New(rand.NewPCG(3, 4))})
	p.SetRecords(map[string][]Record{
		"Shop.Example.com": {{Target: "old.elb", SetID: "old", Weight: 75}, {Target: "new.elb", SetID: "new", Weight: 25}},
		"even.example.com": {{Target: "a.elb", SetID: "a"}, {Target: "b.elb", SetID: "b"}},
		"one.example.com":  {{Target: "only.elb"}},
	})
	count := func(host string) map[string]int {
		got := map[string]int{}
		for range 4000 {
			a, ok := p.resolve(host + ":80")
			if !ok {
				t.Fatalf("%s has no answer", host)
			}
			got[a]++
		}
		return got
	}
	shop := count("shop.example.com")
	if f := float64(shop["new.elb:80"]) / 4000; math.Abs(f-0.25) > 0.04 {
		t.Errorf("weight 25 of 100 got %.2f of the answers: %v", f, shop)
	}
	even := count("even.example.com")
	if f := float64(even["a.elb:80"]) / 4000; math.Abs(f-0.5) > 0.04 {
		t.Errorf("all-zero weights answer evenly, got %v", even)
	}
	if one := count("one.example.com"); one["only.elb:80"] != 4000 {
		t.Errorf("simple record: %v", one)
	}
	if _, ok := p.resolve("unknown.example.com:80"); ok {
		t.Error("a host without records resolved")
	}
	if got := p.Records()["shop.example.com"]; len(got) != 2 || got[0].SetID != "new" {
		t.Errorf("records are kept lower-cased and sorted by set identifier: %+v", got)
	}
}
