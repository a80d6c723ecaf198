package main

import (
	"errors"
	"flag"
	"io"
)

// subcommandFlags returns the flag set of a subcommand, which prints usage,
// then the flags, on stderr.
func subcommandFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		io.WriteString(fset.Output(), usage)
		fset.PrintDefaults()
	}
	return fset
}

// parseFlags parses a subcommand's arguments; when it reports false, the
// subcommand ends with the status: 0 for -h, 2 for a usage error.
func parseFlags(fset *flag.FlagSet, args []string) (status int, ok bool) {
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// rootFlag defines the -root flag of a subcommand that compiles policies.
func rootFlag(fset *flag.FlagSet) *string {
	return fset.String("root", "", "the directory imports must stay inside; by default each policy's own directory")
}
