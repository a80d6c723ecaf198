package lang

import (
	"regexp"
	"strings"
)

// A Silence is a comment "# corsfmt:ignore CODE reason" on the line before
// a rule: the findings of CODE about that rule are not reported, because a
// reviewer has said why they do not apply. The reason is required; without
// one the silence silences nothing.
type Silence struct {
	Comment *Comment
	Code    string
	Reason  string
}

// Line returns the line of the rule the silence is about: the next one.
func (s *Silence) Line() int { return s.Comment.Pos.Line + 1 }

var silenceRx = regexp.MustCompile(`^#\s*corsfmt:ignore\s+(\S+)\s*(.*)$`)

// Silences returns the silences among the comments of f, in source order.
func (f *File) Silences() []*Silence {
	var out []*Silence
	for _, c := range f.Comments {
		if m := silenceRx.FindStringSubmatch(c.Text); m != nil {
			out = append(out, &Silence{Comment: c, Code: m[1], Reason: strings.TrimSpace(m[2])})
		}
	}
	return out
}
