package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/load"
)

func newRulesCommand(stdout, stderr io.Writer, opts *rootOptions) *cobra.Command {
	rules := &cobra.Command{
		Use:   "rules",
		Short: "Work with rules files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	var jsonOut bool
	validate := &cobra.Command{
		Use:   "validate FILE|DIR...",
		Short: "Validate rules files, loaded together in order, as falco -V does",
		Long: `Validate rules files. They load into one collection, in the order given,
so a later file may override or append to an earlier one (as with repeated -r).
A directory contributes its .yaml and .yml files in alphabetical order.
Each file gets a line "FILE: Ok", "FILE: Ok, with warnings" or "FILE: Invalid";
problems are printed with their file:line:column, the chain of items that led
to them and the source line. Exits 1 if any file is invalid.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return validateFiles(stdout, stderr, newSetup(), args, jsonOut, true)
		},
	}
	validate.Flags().BoolVar(&jsonOut, "json", false, `print {"falco_load_results": [...]} as falco -V does with json_output`)
	rules.AddCommand(validate, newRulesListCommand(stdout, opts), newRulesDescribeCommand(stdout, opts))
	return rules
}

// validateFiles loads files into one loader and reports each, the way
// Falco's -V does. counts adds a line with what was loaded (Kestrel's
// `rules validate`); -V keeps Falco's exact stdout and reports counts on
// stderr.
func validateFiles(stdout, stderr io.Writer, s *setup, paths []string, jsonOut, counts bool) error {
	loader := s.newLoader()
	var results []*load.Result
	for _, p := range paths {
		results = append(results, loadEntry(loader, p)...)
	}
	contents := loader.Contents()
	pluginErr := loader.CheckPluginRequirements()
	ok := loader.OK() && pluginErr == nil

	var summary strings.Builder
	for i, r := range results {
		if i > 0 {
			summary.WriteString("\n")
		}
		if r.OK() && len(r.Warnings) > 0 {
			summary.WriteString(r.Name + ": Ok, with warnings")
			fmt.Fprint(stderr, r.Verbose(contents), "\n")
			continue
		}
		summary.WriteString(r.Verbose(contents))
	}
	if jsonOut {
		doc, err := load.JSON(results, contents)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(doc))
	} else {
		fmt.Fprintln(stdout, summary.String())
	}
	if pluginErr != nil {
		return &exitError{code: 1, msg: pluginErr.Error()}
	}
	nrules, nmacros, nlists := loader.Counts()
	countLine := fmt.Sprintf("%d rules, %d macros, %d lists loaded from %d files", nrules, nmacros, nlists, len(results))
	if !ok {
		return &exitError{code: 1, msg: summary.String()}
	}
	if counts && !jsonOut {
		fmt.Fprintln(stdout, countLine)
	} else {
		fmt.Fprintln(stderr, countLine)
	}
	return nil
}

func newFieldsCommand(stdout, _ io.Writer) *cobra.Command {
	var source, format string
	var jsonOut, names, verbose bool
	cmd := &cobra.Command{
		Use:   "fields",
		Short: "List the fields rules can use, as falco --list does",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if jsonOut {
				format = "json"
			}
			if source == "" {
				source = "*"
			}
			return listFields(stdout, newSetup().registry, source, format, names, verbose)
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "only the fields of this event source")
	cmd.Flags().StringVar(&format, "format", "text", "text, markdown or json")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "same as --format json")
	cmd.Flags().BoolVarP(&names, "names", "N", false, "field names only")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show each field's type")
	return cmd
}

func listFields(w io.Writer, reg *fields.Registry, source, format string, names, verbose bool) error {
	if source == "*" {
		source = ""
	}
	if source != "" {
		if _, ok := reg.Source(source); !ok {
			return &exitError{code: 1, msg: "Value for --list must be a valid source type"}
		}
	}
	switch format {
	case "text", "markdown", "json":
	default:
		return &exitError{code: 1, msg: fmt.Sprintf("Invalid format '%s'. Valid values are: text, markdown, json", format)}
	}
	if names {
		list := reg.ListNames(source)
		if format == "json" {
			return writeJSON(w, map[string][]string{"fieldnames": list}, true)
		}
		for _, n := range list {
			fmt.Fprintln(w, n)
		}
		return nil
	}
	switch format {
	case "markdown":
		fmt.Fprintln(w, reg.ListMarkdown(source))
	case "json":
		b, err := reg.ListJSON(source)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	default:
		fmt.Fprintln(w, reg.ListText(source, verbose))
	}
	return nil
}
