package cmd

import "github.com/spf13/cobra"

func newScanCmd(r *Root) *cobra.Command {
	return &cobra.Command{Use: "scan", Short: "placeholder", Hidden: true, RunE: func(*cobra.Command, []string) error { return nil }}
}
