package lang

import (
	"regexp"
	"strings"
)

// A Silence is a comment "# corsfmt:ignore CODE reason" on a line of its
// own above a rule, with nothing but blank lines and other comments between
// them: the findings of CODE about that rule are not reported, because a
// reviewer has said why they do not apply. The reason is required; without
// one the silence silences nothing.
type Silence struct {
	Comment *Comment
	Code    string
	Reason  string
}

// Covers reports whether the silence stands above the statement that
// starts at start. It holds by the tokens, not by line numbers, so that no
// layout the formatter gives the file moves a silence to another rule.
func (s *Silence) Covers(start Position) bool {
	above := s.Comment.Above
	return above.IsValid() && above.Offset == start.Offset && above.Filename == start.Filename
}

// OwnLine reports whether the silence is on a line of its own, above a
// statement; one at the end of a line of code silences nothing.
func (s *Silence) OwnLine() bool { return s.Comment.Above.IsValid() }

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
