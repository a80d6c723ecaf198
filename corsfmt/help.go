package main

import (
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"strings"

	cors "github.com/corspolicy/cors"
	"github.com/corspolicy/cors/internal/specdoc"
	"github.com/corspolicy/cors/lang"
)

const helpUsage = `usage: corsfmt help [TOPIC]

Help explains a topic: a subcommand (eval, lint, test, ...), the formatter
(fmt), or a diagnostic code such as S101, whose section of the language
reference it prints; "corsfmt help codes" lists the codes. Without a topic
it prints the formatter's usage and the topics.
`

const versionUsage = `usage: corsfmt version

Version prints the version of corsfmt, from its build information: the
module version, the revision and time of the commit it was built from when
known, and the Go version that built it. "corsfmt -version" prints the same.
`

// formatTopic is the help topic of the formatter, which has no subcommand
// name of its own.
const formatTopic = "fmt"

// codesTopic is the help topic that lists the diagnostic codes.
const codesTopic = "codes"

// diagnosticCode matches what looks like a diagnostic code, in any case.
var diagnosticCode = regexp.MustCompile(`^[A-Za-z]\d{3}$`)

// runHelp is the help subcommand.
func runHelp(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt help", helpUsage, stderr)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	switch fset.NArg() {
	case 0:
		io.WriteString(stdout, usageOf(runFormat))
		fmt.Fprintf(stdout, "\nHelp topics (corsfmt help TOPIC): %s, and each diagnostic code, such as S101.\n",
			strings.Join(helpTopics(), ", "))
		return 0
	case 1:
	default:
		fset.Usage()
		return 2
	}
	topic := fset.Arg(0)
	if topic == formatTopic {
		io.WriteString(stdout, usageOf(runFormat))
		return 0
	}
	if sc, ok := lookupSubcommand(topic); ok && !sc.hidden {
		io.WriteString(stdout, usageOf(sc.run))
		return 0
	}
	if topic == codesTopic {
		for _, c := range specCodes() {
			fmt.Fprintf(stdout, "%s  %s\n", c.Code, c.Title)
		}
		return 0
	}
	if diagnosticCode.MatchString(topic) {
		if s, ok := specdoc.Parse(cors.Spec()).Code(strings.ToUpper(topic)); ok {
			io.WriteString(stdout, s.Text)
			return 0
		}
	}
	candidates := helpTopics()
	for _, c := range specCodes() {
		candidates = append(candidates, c.Code)
	}
	msg := fmt.Sprintf("corsfmt help: no help topic %q", topic)
	if near := lang.Nearest(topic, candidates); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
	}
	fmt.Fprintf(stderr, "%s\nTopics: %s, and each diagnostic code (corsfmt help codes lists them).\n", msg, strings.Join(helpTopics(), ", "))
	return 2
}

// helpTopics returns the names help explains, diagnostic codes aside.
func helpTopics() []string {
	var out []string
	for _, sc := range subcommandTable() {
		if !sc.hidden {
			out = append(out, sc.name)
		}
	}
	return append(out, formatTopic, codesTopic)
}

// runVersion is the version subcommand.
func runVersion(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt version", versionUsage, stderr)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return 2
	}
	fmt.Fprintln(stdout, versionText(debug.ReadBuildInfo()))
	return 0
}

// versionText describes a build of corsfmt in one line: its module
// version, the commit it was built from when the build recorded it, and
// the Go version.
func versionText(info *debug.BuildInfo, ok bool) string {
	if !ok {
		return "corsfmt: no build information (built without module support)"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	text := "corsfmt " + version
	if rev := settings["vcs.revision"]; rev != "" {
		text += ", revision " + rev
		var about []string
		if t := settings["vcs.time"]; t != "" {
			about = append(about, "committed "+t)
		}
		if settings["vcs.modified"] == "true" {
			about = append(about, "with uncommitted changes")
		}
		if about != nil {
			text += " (" + strings.Join(about, ", ") + ")"
		}
	}
	return text + ", built with " + info.GoVersion
}

// specCodes returns the diagnostic codes of the language reference.
func specCodes() []specdoc.Code { return specdoc.Parse(cors.Spec()).Codes() }
