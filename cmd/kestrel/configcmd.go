package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kestrel-project/kestrel/internal/config"
)

// newConfigCommand is `kestrel config`, with `default` printing the
// embedded default configuration.
func newConfigCommand(stdout io.Writer) *cobra.Command {
	cfg := &cobra.Command{
		Use:   "config",
		Short: "Work with Kestrel's configuration",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cfg.AddCommand(&cobra.Command{
		Use:   "default",
		Short: "Print the default configuration (falco.yaml keys), to copy and edit",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			_, err := stdout.Write(config.DefaultYAML)
			return err
		},
	})
	cfg.AddCommand(&cobra.Command{
		Use:   "schema",
		Short: "Print the JSON schema the configuration is checked against",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			_, err := stdout.Write(config.SchemaJSON())
			return err
		},
	})
	return cfg
}
