package main

import (
	"errors"
	"flag"
	"io"
	"strings"
)

// A subcommand is a command corsfmt runs when its name is the first
// argument. Adding one is adding an entry to subcommandTable: help, the
// usage, the package doc and shell completion all read the table.
type subcommand struct {
	name    string
	summary string // what it does, in a few words, for completion
	run     command
	usage   string // as -h prints it, before the flags: "usage: corsfmt NAME ..." first
	// files are the extensions of the files its arguments name, for
	// completion; nil when its arguments are not files.
	files []string
	// hidden leaves it out of help, the usage and completion: it is for
	// the completion scripts, not for people.
	hidden bool
}

// subcommandTable returns the subcommands, in the order help lists them.
// It is a function, not a variable, because help and completion, which it
// lists, read it.
func subcommandTable() []subcommand {
	return []subcommand{
		{name: "eval", summary: "answer request heads with a policy", run: runEval, usage: evalUsage, files: policyFiles},
		{name: "export", summary: "write a policy as another server's configuration, such as nginx's", run: runExport, usage: exportUsage, files: policyFiles},
		{name: "lint", summary: "report what a CORS reviewer would raise", run: runLint, usage: lintUsage, files: policyFiles},
		{name: "test", summary: "run fixture files, with coverage and mutations", run: runTest, usage: testUsage, files: fixtureFiles},
		{name: "diff", summary: "compare two policies by what they answer, with a witness per change", run: runDiff, usage: diffUsage, files: policyFiles},
		{name: "query", summary: "ask who may do what under a policy, with a witness per answer", run: runQuery, usage: queryUsage, files: policyFiles},
		{name: "probe", summary: "audit a live service's CORS answers, and their drift from a policy", run: runProbe, usage: probeUsage},
		{name: "lsp", summary: "run the language server for editors, over standard input and output", run: runLSP, usage: lspUsage},
		{name: "help", summary: "explain a subcommand or a diagnostic code", run: runHelp, usage: helpUsage},
		{name: "version", summary: "print the version of corsfmt", run: runVersion, usage: versionUsage},
		{name: "completion", summary: "print a shell completion script", run: runCompletion, usage: completionUsage},
		{name: completeCommand, run: runComplete, hidden: true},
	}
}

// lookupSubcommand returns the subcommand called name.
func lookupSubcommand(name string) (subcommand, bool) {
	for _, sc := range subcommandTable() {
		if sc.name == name {
			return sc, true
		}
	}
	return subcommand{}, false
}

// synopsis returns the first line of a usage text, without "usage: ".
func synopsis(usage string) string {
	line, _, _ := strings.Cut(usage, "\n")
	return strings.TrimPrefix(line, "usage: ")
}

// subcommandFlags returns the flag set of a subcommand, which prints usage,
// then the flags, on stderr.
func subcommandFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		io.WriteString(fset.Output(), usage)
		fset.PrintDefaults()
	}
	probeFlags(stderr, fset)
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

// A flagProbe, given to a command as its standard error, receives the
// command's flag set once the command has defined its flags. Help, the
// package doc and completion learn a command's flags that way, from the
// command itself, so that they cannot drift from it.
type flagProbe struct {
	fset *flag.FlagSet
}

func (*flagProbe) Write(p []byte) (int, error) { return len(p), nil }

// probeFlags hands fset to stderr when stderr is a flagProbe.
func probeFlags(stderr io.Writer, fset *flag.FlagSet) {
	if p, ok := stderr.(*flagProbe); ok {
		p.fset = fset
	}
}

// flagsOf returns the flags of a command, which it defines when run with
// -h; the command writes nothing but its usage, which is discarded.
func flagsOf(run command) *flag.FlagSet {
	p := &flagProbe{}
	run([]string{"-h"}, strings.NewReader(""), io.Discard, p)
	if p.fset == nil {
		return flag.NewFlagSet("", flag.ContinueOnError)
	}
	return p.fset
}

// usageOf returns a command's usage with its flags, as -h prints it.
func usageOf(run command) string {
	var b strings.Builder
	fset := flagsOf(run)
	fset.SetOutput(&b)
	fset.Usage()
	return b.String()
}

// rootFlag defines the -root flag of a subcommand that compiles policies.
func rootFlag(fset *flag.FlagSet) *string {
	return fset.String("root", "", "the directory imports must stay inside; by default each policy's own directory")
}
