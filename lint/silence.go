package lint

import (
	"fmt"
	"slices"

	"github.com/corspolicy/cors/lang"
)

// silence drops the findings that a silence ("# corsfmt:ignore CODE
// reason" above their rule) silences, and adds a finding for
// each silence that silences nothing, neither here nor in the compiler
// (used). A silence without a reason silences nothing; the compiler
// reports it (X001).
func silence(f *lang.File, findings []Finding, used []*lang.Silence) []Finding {
	silences := f.Silences()
	var out []Finding
	for _, fd := range findings {
		silenced := false
		for _, s := range silences {
			if fd.rule != nil && s.Covers(fd.rule.Pos) && s.Code == fd.Code && s.Reason != "" {
				used, silenced = append(used, s), true
			}
		}
		if !silenced {
			out = append(out, fd)
		}
	}
	for _, s := range silences {
		if s.Reason != "" && !slices.ContainsFunc(used, func(u *lang.Silence) bool { return u.Comment == s.Comment }) {
			msg, fix := fmt.Sprintf("corsfmt:ignore %s silences nothing on the rule below it", s.Code), "remove it"
			if !s.OwnLine() {
				msg = fmt.Sprintf("corsfmt:ignore %s is at the end of a line of code, where it silences nothing", s.Code)
				fix = "put it on a line of its own, right above the rule"
			}
			out = append(out, Finding{Pos: s.Comment.Pos, End: s.Comment.EndPos, Severity: Warning, Code: CodeSilenceUnused, Message: msg, Fix: fix})
		}
	}
	return out
}
