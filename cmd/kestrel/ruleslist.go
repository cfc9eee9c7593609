package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/rules/lang"
	"github.com/kestrel-project/kestrel/internal/rules/load"
)

// loadedRules loads the rules the main job would (-r, or rules_files, or
// the embedded defaults) and tells which the configuration enables
// (priority threshold and rules[] selections applied).
func (o *rootOptions) loadedRules() (*load.Loader, map[*load.Rule]bool, error) {
	st, err := o.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	defer st.closeLog()
	loader, err := loadRules(newSetupWith(st.static), o.rulesFiles, st)
	if err != nil {
		return nil, nil, err
	}
	_, enabled := loader.Ruleset(fields.SyscallSource, st.engine.Priority, selections(st.engine), matching(st.engine))
	on := make(map[*load.Rule]bool, len(enabled))
	for _, r := range enabled {
		on[r] = true
	}
	return loader, on, nil
}

// newRulesListCommand is `kestrel rules list`.
func newRulesListCommand(stdout io.Writer, opts *rootOptions) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the loaded rules: name, priority, source, enabled, tags",
		Long: `List the rules the main job would load (-r files, rules_files from the
configuration, or the embedded defaults), in load order, with their
priority, source, tags and whether they are enabled once the priority
threshold and the rules[] selections of the configuration are applied.`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			loader, on, err := opts.loadedRules()
			if err != nil {
				return err
			}
			if jsonOut {
				type item struct {
					Name     string   `json:"name"`
					Priority string   `json:"priority"`
					Source   string   `json:"source"`
					Enabled  bool     `json:"enabled"`
					Tags     []string `json:"tags"`
				}
				out := []item{}
				for _, r := range loader.Rules() {
					out = append(out, item{r.Name, r.Priority.String(), r.Source, on[r], append([]string{}, r.Tags...)})
				}
				return writeJSON(stdout, out, true)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tPRIORITY\tSOURCE\tENABLED\tTAGS")
			for _, r := range loader.Rules() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\n", r.Name, r.Priority, r.Source, on[r], strings.Join(r.Tags, ","))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print a JSON array")
	return cmd
}

// newRulesDescribeCommand is `kestrel rules describe NAME`.
func newRulesDescribeCommand(stdout io.Writer, opts *rootOptions) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Show one loaded rule, with its condition as written and with macros and lists expanded",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			loader, on, err := opts.loadedRules()
			if err != nil {
				return err
			}
			if jsonOut {
				return describeRules(stdout, loader, args[0], true)
			}
			var found *load.Rule
			for _, r := range loader.Rules() {
				if r.Name == args[0] {
					found = r
				}
			}
			if found == nil {
				return &exitError{code: 1, msg: fmt.Sprintf("Rule %q is not loaded", args[0])}
			}
			r := found
			fmt.Fprintf(stdout, "Rule:        %s\n", r.Name)
			fmt.Fprintf(stdout, "Priority:    %s\n", r.Priority)
			fmt.Fprintf(stdout, "Source:      %s\n", r.Source)
			fmt.Fprintf(stdout, "Enabled:     %t\n", on[r])
			fmt.Fprintf(stdout, "Tags:        %s\n", strings.Join(r.Tags, ", "))
			fmt.Fprintf(stdout, "Description: %s\n", wrapText(r.Desc, 13, 100))
			fmt.Fprintf(stdout, "Condition:\n  %s\n", strings.ReplaceAll(strings.TrimSpace(r.RawCondition), "\n", "\n  "))
			fmt.Fprintf(stdout, "Expanded condition:\n  %s\n", lang.String(r.Condition))
			fmt.Fprintf(stdout, "Output:\n  %s\n", strings.TrimSpace(r.OutputText))
			fmt.Fprintf(stdout, "Events:      %s\n", strings.Join(eventNames(r.Codes, r.Source == fields.SyscallSource), ", "))
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the rule as falco -l does with json_output")
	return cmd
}
