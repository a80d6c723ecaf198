package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/corspolicy/cors/lang"
)

var silenceRx = regexp.MustCompile(`^#\s*corsfmt:ignore\s+(\S+)\s*(.*)$`)

// silence drops the findings that a "# corsfmt:ignore CODE reason" comment
// on the line before their rule silences, and adds findings for silences
// without a reason or that silence nothing.
func silence(f *lang.File, findings []Finding) []Finding {
	type directive struct {
		c      *lang.Comment
		code   string
		reason string
		used   bool
	}
	byLine := map[int][]*directive{}
	var all []*directive
	for _, c := range f.Comments {
		m := silenceRx.FindStringSubmatch(c.Text)
		if m == nil {
			continue
		}
		d := &directive{c: c, code: m[1], reason: strings.TrimSpace(m[2])}
		byLine[c.Pos.Line+1] = append(byLine[c.Pos.Line+1], d)
		all = append(all, d)
	}
	var out []Finding
	for _, fd := range findings {
		silenced := false
		line := -1
		if fd.rule != nil {
			line = fd.rule.Pos.Line
		}
		for _, d := range byLine[line] {
			if d.code == fd.Code && d.reason != "" {
				d.used, silenced = true, true
			}
		}
		if !silenced {
			out = append(out, fd)
		}
	}
	for _, d := range all {
		switch {
		case d.reason == "":
			out = append(out, Finding{Pos: d.c.Pos, End: d.c.EndPos, Severity: Error, Code: CodeSilenceReason,
				Message: fmt.Sprintf("corsfmt:ignore %s needs a reason after the code", d.code), Fix: "say why the finding does not apply"})
		case !d.used:
			out = append(out, Finding{Pos: d.c.Pos, End: d.c.EndPos, Severity: Warning, Code: CodeSilenceUnused,
				Message: fmt.Sprintf("corsfmt:ignore %s silences nothing on the rule below it", d.code), Fix: "remove it"})
		}
	}
	return out
}
