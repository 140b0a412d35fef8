package demo

import (
	"context"
	"testing"
	"time"
)

func TestStory(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	s.Requests = 300
	for _, st := range s.Steps() {
		t0 := time.Now()
		body, err := st.Run(ctx)
		if err != nil {
			t.Fatalf("%s: %v", st.Title, err)
		}
		t.Logf("== %s (%.1fs)\n%s", st.Title, time.Since(t0).Seconds(), body)
	}
}
