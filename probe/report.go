package probe

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/corspolicy/cors/lint"
)

// WriteText prints the report in the lint's style: one line per finding or
// drift, "URL: severity: message (CODE)", followed by the requests, the
// answers, what a browser does and the fix, indented by a tab; and last a
// summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s: %s: %s (%s)\n", f.URL, f.Severity, f.Message, f.Code)
		for _, p := range f.Evidence {
			writeRequest(&b, p)
			writeAnswer(&b, "answer: ", p.Answer, p.Err)
		}
		if f.Browser != "" {
			fmt.Fprintf(&b, "\tbrowser: %s\n", f.Browser)
		}
		if f.Fix != "" {
			fmt.Fprintf(&b, "\tfix: %s\n", f.Fix)
		}
	}
	for _, d := range r.Drift {
		fmt.Fprintf(&b, "%s: error: the service answers otherwise than the policy in region %s (P201)\n", d.URL, d.Region)
		writeRequest(&b, d.Probe)
		verdict := d.Verdict
		if len(d.Rules) > 0 {
			var at []string
			for _, rule := range d.Rules {
				at = append(at, rule.Effect.String()+" rule at "+rule.Pos.String())
			}
			verdict += " by " + strings.Join(at, ", ")
		}
		fmt.Fprintf(&b, "\tpolicy:  %s\n", verdict)
		writeHeader(&b, d.Policy, d.Policy.Status != 0)
		writeAnswer(&b, "service:", d.Probe.Answer, nil)
		fmt.Fprintf(&b, "\tdiffers: %s\n", strings.Join(d.Differs, ", "))
	}
	b.WriteString(r.Summary())
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary returns the report's last line: what was sent, in how long, and
// what was found.
func (r *Report) Summary() string {
	var counts [3]int
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	s := fmt.Sprintf("corsfmt probe: %s in %s to %s, site %s; %s", plural(r.Requests, "request"),
		r.Elapsed.Round(time.Millisecond), r.Target, r.Site.Origin(), plural(len(r.Findings), "finding"))
	var parts []string
	for sev := lint.Error; ; sev-- {
		if counts[sev] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[sev], sev))
		}
		if sev == lint.Info {
			break
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if r.Policy == "" {
		return s + "; no drift check without -policy"
	}
	s += fmt.Sprintf("; %s from policy %s", plural(len(r.Drift), "drift"), r.Policy)
	if r.PolicyFile != "" {
		s += " of " + r.PolicyFile
	}
	if r.Skipped > 0 {
		s += fmt.Sprintf(" (%s not sent: actual requests with methods beyond GET and HEAD need -methods)", plural(r.Skipped, "witness"))
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeRequest prints a request: its line and the headers the probe set.
func writeRequest(b *strings.Builder, p *Probe) {
	fmt.Fprintf(b, "\trequest: %s %s\n", p.Method, p.Path)
	h := p.header()
	for _, name := range slices.Sorted(mapKeys(h)) {
		for _, v := range h[name] {
			fmt.Fprintf(b, "\t         %s: %s\n", name, clip(v))
		}
	}
}

// writeAnswer prints an answer under label: its status and CORS headers,
// or the error that kept it away.
func writeAnswer(b *strings.Builder, label string, a *Answer, err error) {
	switch {
	case err != nil:
		fmt.Fprintf(b, "\t%s none: %v\n", label, err)
		return
	case a == nil:
		fmt.Fprintf(b, "\t%s none\n", label)
		return
	}
	fmt.Fprintf(b, "\t%s %d %s\n", label, a.Status, http.StatusText(a.Status))
	writeHeader(b, a, false)
}

// writeHeader prints the CORS headers of an answer, sorted by name; with
// status, the status first.
func writeHeader(b *strings.Builder, a *Answer, status bool) {
	if status {
		fmt.Fprintf(b, "\t         %d %s\n", a.Status, http.StatusText(a.Status))
	}
	if len(a.Header) == 0 {
		b.WriteString("\t         (no CORS header)\n")
	}
	for _, name := range slices.Sorted(mapKeys(a.Header)) {
		for _, v := range a.Header[name] {
			fmt.Fprintf(b, "\t         %s: %s\n", name, clip(v))
		}
	}
}

func mapKeys(h http.Header) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}
}

// The report as JSON.
type (
	jsonReport struct {
		Target         string        `json:"target"`
		Site           string        `json:"site"`
		Policy         string        `json:"policy,omitempty"`
		PolicyFile     string        `json:"policy_file,omitempty"`
		Requests       int           `json:"requests"`
		Skipped        int           `json:"skipped"`
		ElapsedSeconds float64       `json:"elapsed_seconds"`
		Findings       []jsonFinding `json:"findings"`
		Drift          *[]jsonDrift  `json:"drift,omitempty"` // absent without a policy
	}
	jsonFinding struct {
		Severity lint.Severity  `json:"severity"`
		Code     string         `json:"code"`
		Message  string         `json:"message"`
		URL      string         `json:"url"`
		Evidence []jsonExchange `json:"evidence,omitempty"`
		Browser  string         `json:"browser,omitempty"`
		Fix      string         `json:"fix,omitempty"`
	}
	jsonDrift struct {
		Region  string      `json:"region"`
		URL     string      `json:"url"`
		Request jsonRequest `json:"request"`
		Policy  jsonAnswer  `json:"policy"`
		Verdict string      `json:"verdict"`
		Rules   []string    `json:"rules,omitempty"`
		Service *jsonAnswer `json:"service"`
		Differs []string    `json:"differs"`
	}
	jsonExchange struct {
		Check   string      `json:"check,omitempty"`
		Region  string      `json:"region,omitempty"`
		Request jsonRequest `json:"request"`
		Answer  *jsonAnswer `json:"answer,omitempty"`
		Error   string      `json:"error,omitempty"`
	}
	jsonRequest struct {
		Method string      `json:"method"`
		Path   string      `json:"path"`
		Header http.Header `json:"header"`
	}
	jsonAnswer struct {
		Status int         `json:"status,omitempty"`
		Header http.Header `json:"header"`
	}
)

func toJSONRequest(p *Probe) jsonRequest {
	return jsonRequest{Method: p.Method, Path: p.Path, Header: clipHeader(p.header())}
}

func toJSONAnswer(a *Answer) *jsonAnswer {
	if a == nil {
		return nil
	}
	return &jsonAnswer{Status: a.Status, Header: clipHeader(a.Header)}
}

func toJSONExchange(p *Probe) jsonExchange {
	e := jsonExchange{Check: p.Check, Request: toJSONRequest(p), Answer: toJSONAnswer(p.Answer)}
	if p.Region != nil {
		e.Region = p.Region.String()
	}
	if p.Err != nil {
		e.Error = p.Err.Error()
	}
	return e
}

// clipHeader returns a copy of h with every value clipped.
func clipHeader(h http.Header) http.Header {
	out := http.Header{}
	for k, vs := range h {
		for _, v := range vs {
			out[k] = append(out[k], clip(v))
		}
	}
	return out
}

// WriteJSON prints the report as one JSON object: target, site, policy,
// requests, skipped, elapsed_seconds, findings (each with severity, code,
// message, url, evidence, browser, fix) and, with a policy, drift (each with
// region, url, request, policy, verdict, rules, service, differs).
func (r *Report) WriteJSON(w io.Writer) error {
	out := jsonReport{Target: r.Target, Site: r.Site.Origin(), Policy: r.Policy, PolicyFile: r.PolicyFile,
		Requests: r.Requests, Skipped: r.Skipped, ElapsedSeconds: r.Elapsed.Seconds(), Findings: []jsonFinding{}}
	for _, f := range r.Findings {
		jf := jsonFinding{Severity: f.Severity, Code: f.Code, Message: f.Message, URL: f.URL, Browser: f.Browser, Fix: f.Fix}
		for _, p := range f.Evidence {
			jf.Evidence = append(jf.Evidence, toJSONExchange(p))
		}
		out.Findings = append(out.Findings, jf)
	}
	var drift []jsonDrift
	for _, d := range r.Drift {
		jd := jsonDrift{Region: d.Region, URL: d.URL, Request: toJSONRequest(d.Probe), Policy: *toJSONAnswer(d.Policy),
			Verdict: d.Verdict, Service: toJSONAnswer(d.Probe.Answer), Differs: d.Differs}
		for _, rule := range d.Rules {
			jd.Rules = append(jd.Rules, rule.Effect.String()+" "+rule.Pos.String())
		}
		drift = append(drift, jd)
	}
	if r.Drift != nil {
		drift = append([]jsonDrift{}, drift...)
		out.Drift = &drift
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
