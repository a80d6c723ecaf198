package probe

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lint"
	"github.com/corspolicy/cors/region"
)

// Defaults of a Config.
const (
	DefaultBudget    = 1000
	DefaultRate      = 10 // requests per second
	DefaultTimeout   = 10 * time.Second
	DefaultUserAgent = "corsfmt-probe/1 (+https://github.com/corspolicy/cors)"
)

// Config says what to probe and how politely.
type Config struct {
	// URL is the service: its scheme, host and port, and the first path
	// the battery is sent to ("/" when it has none). Its query is not sent.
	URL string
	// Paths are more paths for the battery.
	Paths []string
	// Site is the origin the crafted origins are derived from: the one the
	// service is meant to trust, or its own. The URL's origin when "".
	Site string

	// Policy, when set, is the policy the service should answer with: every
	// decision region's witness is sent too, and every answer compared with
	// the engine's.
	Policy *compile.Table
	// PolicyFile names the file the policy came from, for reports.
	PolicyFile string

	Budget    int           // the most requests to send; DefaultBudget when 0
	Rate      float64       // requests per second at most; DefaultRate when 0, no limit when negative
	Timeout   time.Duration // for each request in all; DefaultTimeout when 0
	UserAgent string        // DefaultUserAgent when ""
	// Methods are the methods, besides GET and HEAD, that actual requests
	// may use. A witness that needs another is not sent.
	Methods []string

	Clock Clock // the real clock when nil
}

// Report is what a probe found.
type Report struct {
	Target     string // the URL probed
	Site       Site
	Policy     string // the name of the policy, when one was given
	PolicyFile string
	Requests   int           // requests sent
	Skipped    int           // witnesses not sent: actual requests with methods beyond GET, HEAD and Config.Methods
	Elapsed    time.Duration // by Config.Clock
	Findings   []*Finding
	Drift      []*Drift // nil without a policy
	Probes     []*Probe // every request sent, with its answer

	policyLine int // where the policy is declared in PolicyFile
}

// Failed reports whether the report holds an error-severity finding or a
// drift: what makes corsfmt probe exit 1.
func (r *Report) Failed() bool {
	return len(r.Drift) > 0 || slices.ContainsFunc(r.Findings, func(f *Finding) bool { return f.Severity == lint.Error })
}

// BudgetError is returned when a probe needs more requests than its budget;
// nothing was sent.
type BudgetError struct{ Needed, Budget int }

func (e *BudgetError) Error() string {
	return fmt.Sprintf("the probe needs %d requests, more than the budget of %d: raise -budget or probe fewer paths", e.Needed, e.Budget)
}

// Run probes the service cfg.URL names: it sends the battery to every
// path, and with a policy the witness of every decision region, one request
// at a time within the budget and the rate, then judges the answers. It
// returns an error, having sent nothing, when the configuration is wrong
// or the plan is over the budget, and when the first request gets no
// answer; requests that fail after that are reported (P002).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	base, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("bad URL: %v", err)
	}
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" || base.User != nil {
		return nil, fmt.Errorf("bad URL %q: it needs the scheme http or https, a host, and no user information", cfg.URL)
	}
	siteOrigin := cfg.Site
	if siteOrigin == "" {
		siteOrigin = base.Scheme + "://" + base.Host
	}
	site, err := ParseSite(siteOrigin)
	if err != nil {
		return nil, fmt.Errorf("bad site: %v", err)
	}
	if math.IsNaN(cfg.Rate) {
		return nil, fmt.Errorf("bad rate %v: requests per second, or negative for no limit", cfg.Rate)
	}
	cfg = withDefaults(cfg)
	paths := []string{base.Path}
	if paths[0] == "" {
		paths[0] = "/"
	}
	for _, p := range cfg.Paths {
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("bad path %q: a path starts with /", p)
		}
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}

	rep := &Report{Target: base.Scheme + "://" + base.Host + paths[0], Site: site, PolicyFile: cfg.PolicyFile}
	var plan []*Probe
	batteries := map[string][]*Probe{}
	for _, p := range paths {
		b := battery(site, p)
		batteries[p] = b
		plan = append(plan, b...)
	}
	if cfg.Policy != nil {
		rep.Policy, rep.policyLine = cfg.Policy.Name, cfg.Policy.Pos.Line
		sendable := append([]string{"GET", "HEAD"}, cfg.Methods...)
		for _, r := range region.Enumerate(cfg.Policy) {
			if r.Kind != region.Preflight && !slices.Contains(sendable, r.Witness.Method) {
				rep.Skipped++
				continue
			}
			plan = append(plan, witnessProbe(r))
		}
	}
	if len(plan) > cfg.Budget {
		return nil, &BudgetError{Needed: len(plan), Budget: cfg.Budget}
	}

	s := &sender{client: newClient(cfg.Timeout), base: base, userAgent: cfg.UserAgent, budget: cfg.Budget,
		limit: limiter{clock: cfg.Clock, interval: interval(cfg.Rate)}}
	start := cfg.Clock.Now()
	var failed []*Probe
	for i, p := range plan {
		if err := s.send(ctx, p); err != nil {
			rep.Requests = s.sent
			rep.Elapsed = cfg.Clock.Now().Sub(start)
			rep.Probes = plan[:i]
			rep.Findings = append(rep.Findings, &Finding{Code: "P001", Severity: lint.Warning, URL: rep.Target,
				Message: fmt.Sprintf("the probe stopped after %d of %d requests: %v", s.sent, len(plan), err),
				Fix:     codeOf("P001").Fix})
			return rep, nil
		}
		if p.Err != nil {
			if i == 0 {
				return nil, fmt.Errorf("%s does not answer: %v", rep.Target, p.Err)
			}
			failed = append(failed, p)
		}
	}
	rep.Requests = s.sent
	rep.Elapsed = cfg.Clock.Now().Sub(start)
	rep.Probes = plan

	for _, p := range paths {
		rep.Findings = append(rep.Findings, analyse(base.Scheme+"://"+base.Host+p, site, batteries[p])...)
	}
	if cfg.Policy != nil {
		rep.Drift = []*Drift{}
		drifting := map[*Probe]bool{}
		for _, p := range plan {
			if d := drift(cfg.Policy, base, p); d != nil {
				rep.Drift = append(rep.Drift, d)
				drifting[p] = true
			}
		}
		// What the policy itself prescribes is the lint's to judge: a
		// finding is kept only when an answer proving it drifts.
		rep.Findings = slices.DeleteFunc(rep.Findings, func(f *Finding) bool {
			return !slices.ContainsFunc(f.Evidence, func(p *Probe) bool { return drifting[p] })
		})
	}
	if len(failed) > 0 {
		rep.Findings = append(rep.Findings, &Finding{Code: "P002", Severity: lint.Warning, URL: rep.Target,
			Message:  fmt.Sprintf("%d of %d requests got no answer; the first: %v", len(failed), len(plan), failed[0].Err),
			Evidence: failed[:1], Fix: codeOf("P002").Fix})
	}
	return rep, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Budget == 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	return cfg
}

// interval returns the time between the starts of two requests at rate
// requests per second; none for a negative rate. A rate so small that the
// time does not fit in a Duration waits as long as one can: converted as
// it is, it would wrap around to a negative wait, which is none.
func interval(rate float64) time.Duration {
	if rate < 0 {
		return 0
	}
	if d := float64(time.Second) / rate; d < math.MaxInt64 {
		return time.Duration(d)
	}
	return math.MaxInt64
}

// witnessProbe returns the request a region's witness stands for.
func witnessProbe(r region.Region) *Probe {
	w := r.Witness
	p := &Probe{Region: &r, Method: w.Method, Path: w.Path, Origin: w.Origin, Cookie: w.Credentials,
		PrivateNetwork: w.PrivateNetwork == "true"}
	if len(w.RequestMethod) > 0 {
		p.RequestMethod = w.RequestMethod[0]
	}
	p.RequestHeaders = strings.Join(w.RequestHeaders, ",")
	return p
}

// Drift is a request the service answers otherwise than the policy.
type Drift struct {
	Region  string // the decision region, or "battery CHECK" for a request of the battery
	URL     string
	Probe   *Probe          // the request and the service's answer
	Policy  *Answer         // the engine's answer
	Verdict string          // the engine's decision: "allowed", "denied (CHECK)" or "not CORS"
	Rules   []*compile.Rule // the rules that decide it, when any
	Differs []string        // what differs: "status" and header names
}

// decision returns the engine's decision for a probe, as the middleware
// reads the request.
func decision(t *compile.Table, p *Probe) eval.Decision {
	req := &http.Request{Method: p.Method, URL: &url.URL{Path: p.Path}, Header: p.header()}
	r := eval.RequestOf(req)
	return eval.Evaluate(t, &r)
}

// drift compares the answer to p with the engine's, and returns the drift
// or nil.
func drift(t *compile.Table, base *url.URL, p *Probe) *Drift {
	if p.Answer == nil {
		return nil
	}
	d := decision(t, p)
	want := engineAnswer(&d)
	differs := compareAnswers(want, p.Answer, d.Kind == eval.Preflight)
	if len(differs) == 0 {
		return nil
	}
	label := "battery " + p.Check
	if p.Region != nil {
		label = p.Region.String()
	}
	verdict := "allowed"
	switch {
	case d.Kind == eval.NotCORS:
		verdict = "not CORS"
	case !d.Allowed:
		verdict = "denied (" + d.Failed.String() + ")"
	}
	return &Drift{Region: label, URL: base.Scheme + "://" + base.Host + p.Path, Probe: p, Policy: want,
		Verdict: verdict, Rules: d.Rules, Differs: differs}
}

// compareAnswers returns what differs between the engine's answer and the
// service's: for a preflight the status class (2xx, 4xx...), and for every
// request each CORS header. Access-Control-Allow-Methods is compared as a
// set of methods; Access-Control-Allow-Headers and
// Access-Control-Expose-Headers as sets of names, ignoring case; Vary as
// the set of the CORS request header names it holds (Origin,
// Access-Control-Request-Method, Access-Control-Request-Headers,
// Access-Control-Request-Private-Network) and *, ignoring case, since the
// handler may add its own; every other header by its exact value, lines
// joined with ", ".
func compareAnswers(want, got *Answer, preflight bool) []string {
	var out []string
	if preflight && want.Status/100 != got.Status/100 {
		out = append(out, "status")
	}
	for _, name := range corsHeaders {
		w, g := want.Header[name], got.Header[name]
		var same bool
		switch name {
		case "Access-Control-Allow-Methods":
			same = sameSet(headerList(w), headerList(g), false)
		case "Access-Control-Allow-Headers", "Access-Control-Expose-Headers":
			same = sameSet(headerList(w), headerList(g), true)
		case "Vary":
			same = sameSet(corsVary(w), corsVary(g), true)
		default:
			same = strings.Join(w, ", ") == strings.Join(g, ", ") && len(w) == len(g)
		}
		if !same {
			out = append(out, name)
		}
	}
	return out
}

// corsVary returns the names of a Vary header that concern CORS.
func corsVary(lines []string) []string {
	var out []string
	for _, n := range headerList(lines) {
		switch strings.ToLower(n) {
		case "origin", "access-control-request-method", "access-control-request-headers",
			"access-control-request-private-network", "*":
			out = append(out, n)
		}
	}
	return out
}

// sameSet reports whether two lists hold the same items, repeats aside,
// ignoring case when fold is set.
func sameSet(a, b []string, fold bool) bool {
	for _, x := range a {
		if !listHas(b, x, fold) {
			return false
		}
	}
	for _, x := range b {
		if !listHas(a, x, fold) {
			return false
		}
	}
	return true
}
