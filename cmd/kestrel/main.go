// Command kestrel is Kestrel's single binary. Its subcommands only wire the
// internal packages together; the behaviour lives in those packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries an exit code out of a command without printing usage.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext is run whose live agent also stops when ctx ends (tests stop
// it this way instead of by a signal to their own process).
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// The logger, the outputs' goroutines and the commands all write
	// stderr.
	stderr = &lockedWriter{w: stderr}
	root := newRootCommand(stdout, stderr)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "Error: "+ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "Error: "+err.Error())
	return 1
}

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	opts := &rootOptions{stderr: stderr}
	root := &cobra.Command{
		Use:   "kestrel",
		Short: "Kestrel: runtime threat detection for Linux hosts and Kubernetes",
		Long: `Kestrel watches what happens on a host and raises alerts when it matches
rules written in Falco's rule language. Run without a subcommand it loads
the rules (the embedded defaults, or -r files) and runs the agent.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.listSet = cmd.Flags().Changed("list")
			opts.ctx = cmd.Context()
			return opts.run(stdout, stderr)
		},
	}
	pf := root.PersistentFlags()
	pf.StringArrayVarP(&opts.rulesFiles, "rules", "r", nil, "rules file or directory (repeatable; replaces rules_files)")
	pf.StringVarP(&opts.configFile, "config", "c", "", "configuration file (falco.yaml keys)")
	pf.StringArrayVarP(&opts.overrides, "option", "o", nil, "override a configuration key, key=value (repeatable; list items as key[N] or key[])")
	f := root.Flags()
	f.StringArrayVarP(&opts.validate, "validate", "V", nil, "validate a rules file and exit (repeatable)")
	f.BoolVarP(&opts.describeAll, "describe", "L", false, "describe all loaded rules and exit")
	f.StringVarP(&opts.describeOne, "describe-rule", "l", "", "describe one loaded rule and exit")
	f.StringVar(&opts.listSource, "list", "", "list the fields of every source, or of one source, and exit")
	f.Lookup("list").NoOptDefVal = "*"
	f.BoolVarP(&opts.listNames, "list-names", "N", false, "with --list, print field names only")
	f.StringVar(&opts.format, "format", "text", "output format of --list: text, markdown or json")
	f.BoolVar(&opts.dryRun, "dry-run", false, "load configuration and rules, process no events")
	f.BoolVar(&opts.version, "version", false, "print version information and exit")
	f.BoolVar(&opts.support, "support", false, "print a JSON support dump (versions, system, kernel features, config, rules files and their digests) and exit")
	f.BoolVarP(&opts.verbose, "verbose", "v", false, "more detail in listings")
	pf.IntVarP(&opts.duration, "duration", "M", 0, "stop after this many seconds (0: run until SIGINT or SIGTERM)")
	root.AddCommand(newRulesCommand(stdout, stderr, opts), newFieldsCommand(stdout, stderr), newReplayCommand(stdout, stderr, opts),
		newRunCommand(stdout, stderr, opts), newCaptureCommand(stdout, stderr), newConfigCommand(stdout))
	return root
}
