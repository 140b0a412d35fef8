package cmd

import (
	"context"

	"github.com/lbctl/lbctl/lbctl/sandbox/demo"
)

func runDemoTUI(ctx context.Context, r *Root, story *demo.Story) error {
	return nil
}
