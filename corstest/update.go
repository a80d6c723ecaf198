package corstest

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lang"
)

// Update rewrites the expectations of every case from what the engine
// answers, and returns the fixture file in canonical form, comments kept.
// A verdict line, a failed check, a status and each expected header take
// the actual values; a header now absent becomes "expect no"; a header
// present but not expected is added; "expect rule" lines are left as they
// are. A table case is updated only where all its origins agree.
func (s *Suite) Update() ([]byte, error) {
	for _, c := range s.Fixtures.Cases {
		results := s.RunCase(c)
		updateCase(c, results)
	}
	var buf bytes.Buffer
	if err := lang.FprintFixtures(&buf, s.Fixtures); err != nil {
		return nil, err
	}
	// Prove the result as FormatFixtures does: it must parse.
	if _, err := lang.ParseFixtures(s.FixtureFile, buf.Bytes()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func updateCase(c *lang.Case, results []Result) {
	first := &results[0]
	// What every run of the case agrees on, as expectation text.
	agreed := func(f func(r *Result) string) (string, bool) {
		v := f(first)
		for i := range results[1:] {
			if f(&results[i+1]) != v {
				return "", false
			}
		}
		return v, true
	}
	headerOf := func(name string) func(r *Result) string {
		return func(r *Result) string {
			v := strings.Join(r.Decision.Header().Values(name), ", ")
			if v != "" && v == r.Origin {
				return "\x00origin"
			}
			return v
		}
	}
	seen := map[string]bool{}
	var kept []*lang.Expectation
	for _, e := range c.Expects {
		switch {
		case e.Verdict != "":
			if v, ok := agreed(func(r *Result) string { return verdictWord(&r.Decision) }); ok {
				e.Verdict = v
			}
		case e.Check != nil:
			if v, ok := agreed(func(r *Result) string { return checkName(r.Decision.Failed) }); ok {
				if v == "none" {
					continue // the check no longer fails: drop the line
				}
				e.Check.Name = v
			}
		case e.Status != nil:
			if v, ok := agreed(func(r *Result) string { return strconv.Itoa(status(&r.Decision)) }); ok {
				e.Status.Text = v
			}
		case e.Absent != nil || e.Header != nil:
			name := http.CanonicalHeaderKey(headerName(e))
			seen[name] = true
			v, ok := agreed(headerOf(name))
			if !ok {
				break
			}
			setHeaderExpectation(e, name, v)
		}
		kept = append(kept, e)
	}
	// Headers the answer has and no line expects.
	for _, name := range eval.HeaderNames() {
		if seen[name] {
			continue
		}
		if v, ok := agreed(headerOf(name)); ok && v != "" {
			e := &lang.Expectation{}
			setHeaderExpectation(e, name, v)
			kept = append(kept, e)
		}
	}
	c.Expects = kept
}

func verdictWord(d *eval.Decision) string {
	if d.Allowed {
		return "allowed"
	}
	return "denied"
}

func headerName(e *lang.Expectation) string {
	if e.Absent != nil {
		return e.Absent.Name
	}
	return e.Header.Name
}

// setHeaderExpectation makes e expect header name to have value v: "" for
// absent, "\x00origin" for the request's origin.
func setHeaderExpectation(e *lang.Expectation, name, v string) {
	id := &lang.Ident{Span: e.Span, Name: name}
	e.Absent, e.Header, e.Value, e.Origin = nil, nil, nil, false
	switch v {
	case "":
		e.Absent = id
	case "\x00origin":
		e.Header, e.Origin = id, true
	default:
		e.Header, e.Value = id, &lang.String{Span: e.Span, Value: v}
	}
}
