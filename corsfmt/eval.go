package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lang"
)

const evalUsage = `usage: corsfmt eval [-policy NAME] [-profile P] [-root DIR] [-explain] [-json] FILE.cors

Eval reads HTTP/1.1 request heads from standard input, separated by blank
lines, and prints for each the status line and the headers the middleware
would write, sorted by name. A request that is not a preflight goes on to
the service's handler, which here answers 200. With -explain, lines
starting with # say why, with the positions of the deciding rules. With
-json, each answer is one line of JSON instead: the request's number and
line, kind, allowed, the failed check and its detail, the deciding rules
with their positions, the status and the headers. A request head starts
with its request line, as in "GET /status HTTP/1.1".
Imports stay inside the policy's directory, or inside -root.

Flags:
`

// runEval is the eval subcommand.
func runEval(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt eval", evalUsage, stderr)
	policy := fset.String("policy", "", "the policy to answer with; needed when the file has several")
	profile := fset.String("profile", "", "the profile to compile for, such as dev")
	explain := fset.Bool("explain", false, "print the reasoning before each response")
	asJSON := fset.Bool("json", false, "print each answer as one line of JSON")
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
	// Capped as every reader is: refused past the limit, never cut,
	// since a request cut short still reads as a request.
	input, err := lang.ReadSource(stdinName, stdin)
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
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for i, head := range splitHeads(input) {
		req, err := readRequest(head.text)
		if err != nil {
			fmt.Fprintf(stderr, "%s:%d: request %d: %v\n", stdinName, head.line, i+1, err)
			status = 2
			continue
		}
		if i > 0 && !*asJSON {
			fmt.Fprintln(stdout)
		}
		decision = nil
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		d := decision
		if d == nil { // a preflight or a request without Origin: evaluate again to explain
			r := eval.RequestOf(req)
			dd := eval.Evaluate(tab, &r)
			d = &dd
		}
		if *asJSON {
			enc.Encode(answerOf(i+1, head.line, req, d, rec))
			continue
		}
		if *explain {
			printExplanation(stdout, req, d)
		}
		fmt.Fprintf(stdout, "HTTP/1.1 %d %s\n", rec.Code, http.StatusText(rec.Code))
		for _, name := range slices.Sorted(maps.Keys(rec.Header())) {
			for _, v := range rec.Header()[name] {
				fmt.Fprintf(stdout, "%s: %s\n", name, v)
			}
		}
	}
	return status
}

// readRequest reads a request head, saying what is missing from a request
// line that is not "METHOD TARGET HTTP/1.1".
func readRequest(head string) (*http.Request, error) {
	line, _, _ := strings.Cut(head, "\r\n")
	if fields := strings.Fields(line); len(fields) == 2 {
		return nil, fmt.Errorf("the request line %q has no protocol version; write it as %q", line, line+" HTTP/1.1")
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\r\n\r\n")))
	if err != nil {
		return nil, fmt.Errorf("%v; a request head is a request line such as \"GET /status HTTP/1.1\", then header lines such as \"Origin: https://app.example.com\"", err)
	}
	return req, nil
}

// answer is a request's answer as -json prints it.
type answer struct {
	Request int    `json:"request"` // its number, from 1
	Line    int    `json:"line"`    // of its request line in the input
	Method  string `json:"method"`
	Path    string `json:"path"`
	Origin  string `json:"origin,omitempty"`
	Kind    string `json:"kind"` // preflight, actual or not-cors
	Allowed bool   `json:"allowed"`
	// Failed names the check a denied request failed, as a fixture file's
	// expect check line does: origin, method, header, credentials or
	// private-network.
	Failed  string              `json:"failed,omitempty"`
	Detail  string              `json:"detail,omitempty"`
	Rules   []answerRule        `json:"rules"`
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
}

// answerRule is a deciding rule, where it starts in the policy file.
type answerRule struct {
	Effect string `json:"effect"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func answerOf(n, line int, r *http.Request, d *eval.Decision, rec *httptest.ResponseRecorder) answer {
	a := answer{Request: n, Line: line, Method: r.Method, Path: r.URL.Path, Origin: strings.Join(r.Header["Origin"], ", "),
		Kind: strings.ToLower(strings.ReplaceAll(d.Kind.String(), " ", "-")), Allowed: d.Allowed, Detail: d.Detail,
		Rules: []answerRule{}, Status: rec.Code, Headers: rec.Header()}
	if !d.Allowed {
		a.Failed = strings.ReplaceAll(d.Failed.String(), " ", "-")
	}
	for _, rule := range d.Rules {
		a.Rules = append(a.Rules, answerRule{Effect: rule.Effect.String(), File: rule.Pos.Filename, Line: rule.Pos.Line, Column: rule.Pos.Column})
	}
	return a
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

// A requestHead is the text of one request head of the input, its lines
// joined by CRLF, and the line of the input it starts on.
type requestHead struct {
	text string
	line int
}

// splitHeads splits the input into request heads at blank lines.
func splitHeads(input []byte) []requestHead {
	var heads []requestHead
	var lines []string
	start := 0
	for i, line := range strings.Split(strings.ReplaceAll(string(input), "\r\n", "\n"), "\n") {
		if line != "" {
			if lines == nil {
				start = i + 1
			}
			lines = append(lines, line)
			continue
		}
		if lines != nil {
			heads = append(heads, requestHead{strings.Join(lines, "\r\n"), start})
			lines = nil
		}
	}
	if lines != nil {
		heads = append(heads, requestHead{strings.Join(lines, "\r\n"), start})
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
