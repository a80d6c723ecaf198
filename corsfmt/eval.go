package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lang"
)

const evalUsage = `usage: corsfmt eval [-policy NAME] [-profile P] [-root DIR] [-explain] FILE.cors

Eval reads HTTP/1.1 request heads from standard input, separated by blank
lines, and prints for each the status line and the headers the middleware
would write, sorted by name. A request that is not a preflight goes on to
the service's handler, which here answers 200. With -explain, lines
starting with # say why, with the positions of the deciding rules.
Imports stay inside the policy's directory, or inside -root.

Flags:
`

// runEval is the eval subcommand.
func runEval(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt eval", evalUsage, stderr)
	policy := fset.String("policy", "", "the policy to answer with; needed when the file has several")
	profile := fset.String("profile", "", "the profile to compile for, such as dev")
	explain := fset.Bool("explain", false, "print the reasoning before each response")
	root := rootFlag(fset)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return 2
	}
	tab, err := loadPolicy(fset.Arg(0), *policy, *profile, *root)
	if err != nil {
		lang.PrintErrors(stderr, err)
		return 1
	}
	input, err := io.ReadAll(io.LimitReader(stdin, 64<<20))
	if err != nil {
		fmt.Fprintln(stderr, "corsfmt eval:", err)
		return 2
	}
	mw := eval.NewMiddleware(tab, eval.DecisionInContext())
	var decision *eval.Decision
	handler := mw.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		decision = eval.FromContext(r.Context())
		w.WriteHeader(http.StatusOK)
	}))
	status := 0
	for i, head := range splitHeads(input) {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\r\n\r\n")))
		if err != nil {
			fmt.Fprintf(stderr, "<standard input>: request %d: %v\n", i+1, err)
			status = 2
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		decision = nil
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if *explain {
			d := decision
			if d == nil { // a preflight or a request without Origin: evaluate again to explain
				r := eval.RequestOf(req)
				dd := eval.Evaluate(tab, &r)
				d = &dd
			}
			printExplanation(stdout, req, d)
		}
		fmt.Fprintf(stdout, "HTTP/1.1 %d %s\n", rec.Code, http.StatusText(rec.Code))
		for _, name := range slices.Sorted(func(yield func(string) bool) {
			for k := range rec.Header() {
				if !yield(k) {
					return
				}
			}
		}) {
			for _, v := range rec.Header()[name] {
				fmt.Fprintf(stdout, "%s: %s\n", name, v)
			}
		}
	}
	return status
}

// loadPolicy compiles a file, with its imports inside root, and returns
// the table of one of its policies.
func loadPolicy(path, policy, profile, root string) (*compile.Table, error) {
	prog, err := compile.LoadFile(path, compile.Options{Profile: profile, Root: root})
	if err != nil {
		return nil, err
	}
	if policy == "" {
		names := prog.Names()
		if len(names) != 1 {
			return nil, fmt.Errorf("%s has %d policies (%s); choose one with -policy", path, len(names), strings.Join(names, ", "))
		}
		policy = names[0]
	}
	return prog.Policy(policy)
}

// splitHeads splits the input into request heads at blank lines.
func splitHeads(input []byte) []string {
	input = bytes.ReplaceAll(input, []byte("\r\n"), []byte("\n"))
	var heads []string
	for _, block := range strings.Split(string(input), "\n\n") {
		if block = strings.Trim(block, "\n"); block != "" {
			heads = append(heads, strings.ReplaceAll(block, "\n", "\r\n"))
		}
	}
	return heads
}

func printExplanation(w io.Writer, r *http.Request, d *eval.Decision) {
	fmt.Fprintf(w, "# %s %s: %s", r.Method, r.URL.Path, d.Kind)
	if d.Kind != eval.NotCORS {
		fmt.Fprintf(w, " from %s", strings.Join(r.Header["Origin"], ", "))
	}
	fmt.Fprintln(w)
	var rules []string
	for _, rule := range d.Rules {
		rules = append(rules, fmt.Sprintf("%s %s", rule.Effect, rule.Pos))
	}
	switch {
	case d.Kind == eval.NotCORS:
		fmt.Fprintln(w, "# not a CORS request: no Origin header")
	case d.Allowed:
		fmt.Fprintf(w, "# allowed by %s\n", strings.Join(rules, ", "))
	default:
		fmt.Fprintf(w, "# denied: %s check failed", d.Failed)
		if d.Detail != "" {
			fmt.Fprintf(w, " (%s)", d.Detail)
		}
		if len(rules) > 0 {
			fmt.Fprintf(w, "; rules: %s", strings.Join(rules, ", "))
		}
		fmt.Fprintln(w)
	}
}
