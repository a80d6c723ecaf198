package lang

import (
	"io"
	"math"
)

// FprintFixtures writes a fixture file in the canonical layout, comments
// included, as Fprint does for policies.
func FprintFixtures(w io.Writer, f *FixtureFile) error {
	p := &printer{comments: f.Comments}
	p.fixtures(f)
	_, err := w.Write(p.out)
	return err
}

// FormatFixtures returns a fixture file in the canonical layout, after
// proving, as Format does, that the output holds the same tokens and
// comments.
func FormatFixtures(filename string, src []byte) ([]byte, error) {
	return format(filename, src, parseFixtures, FprintFixtures)
}

func (p *printer) fixtures(f *FixtureFile) {
	p.afterOpen = true
	p.begin(f.Version.Pos, false)
	p.str("fixtures " + f.Version.Text)
	p.finish(f.Version.EndPos)
	sep := true
	for _, kw := range []struct {
		word string
		id   *Ident
	}{{"policy", f.Policy}, {"profile", f.Profile}} {
		if kw.id == nil {
			continue
		}
		// The keyword precedes the name; the name's position stands for
		// the line, since no node holds the keyword.
		p.begin(kw.id.Pos, sep)
		sep = false
		p.str(kw.word + " " + kw.id.Name)
		p.finish(kw.id.EndPos)
	}
	for _, c := range f.Cases {
		p.begin(c.Pos, true)
		p.str("case \"" + c.Name.Value + "\" {")
		p.open(c.Name.EndPos)
		p.begin(c.Request.Pos, false)
		p.str(c.Request.Method + " \"" + c.Request.Path.Value + "\"")
		p.finish(c.Request.EndPos)
		for _, h := range c.Headers {
			p.begin(h.Pos, false)
			p.str(h.Name)
			values := make([]*Value, len(h.Values))
			for i, v := range h.Values {
				values[i] = &Value{Span: v.Span, Literal: v}
			}
			multi := p.list(values, advance(h.Pos, h.Name))
			p.finish(h.EndPos)
			p.unindent(multi)
		}
		for i, e := range c.Expects {
			p.begin(e.Pos, i == 0)
			p.str("expect " + expectationText(e))
			p.finish(e.EndPos)
		}
		p.close(c.EndPos)
	}
	p.leading(math.MaxInt, false)
}

// expectationText returns what follows "expect" on an expectation's line.
func expectationText(e *Expectation) string {
	switch {
	case e.Verdict != "":
		return e.Verdict
	case e.Check != nil:
		return "check " + e.Check.Name
	case e.Rule != nil:
		return "rule " + e.Rule.Text
	case e.Status != nil:
		return "status " + e.Status.Text
	case e.Absent != nil:
		return "no " + e.Absent.Name
	case e.Origin:
		return e.Header.Name + " origin"
	}
	return e.Header.Name + " \"" + e.Value.Value + "\""
}
