// Package specdoc reads SPEC.md by its structure, for the tools that quote
// it: corsfmt help prints the section of a diagnostic code, and the
// language server shows the paragraph that defines a keyword. It knows the
// Markdown SPEC.md is written in, no more: ATX headings, paragraphs
// separated by blank lines, tables and fenced code blocks.
package specdoc

import (
	"regexp"
	"strings"
)

// Doc is a specification split into sections.
type Doc struct {
	Sections []Section // in document order
}

// Section is a heading and the text under it, up to the next heading of
// the same level or higher.
type Section struct {
	Level   int    // 1 for #, 2 for ##, ...
	Heading string // the heading's text, without the #s
	Text    string // the heading line and everything under it, subsections included
	// Codes are the diagnostic codes the heading names, as in
	// "### L001 — syntax error" or "#### X001 — ... and X002 — ...".
	Codes []string
}

// code matches a diagnostic code at the start of a heading or after "and".
var code = regexp.MustCompile(`(?:^|\band )([LCESURXP]\d{3}) —`)

// Parse splits a Markdown document into its sections. Lines in fenced code
// blocks are never headings.
func Parse(markdown string) *Doc {
	lines := strings.SplitAfter(markdown, "\n")
	type start struct {
		line, level int
		heading     string
	}
	var starts []start
	fenced := false
	for i, line := range lines {
		trimmed := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(trimmed, "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		level := len(trimmed) - len(strings.TrimLeft(trimmed, "#"))
		if level == 0 || level > 6 || !strings.HasPrefix(trimmed[level:], " ") {
			continue
		}
		starts = append(starts, start{i, level, strings.TrimSpace(trimmed[level:])})
	}
	d := &Doc{}
	for i, s := range starts {
		end := len(lines)
		for _, next := range starts[i+1:] {
			if next.level <= s.level {
				end = next.line
				break
			}
		}
		sec := Section{Level: s.level, Heading: s.heading, Text: strings.TrimRight(strings.Join(lines[s.line:end], ""), "\n") + "\n"}
		for _, m := range code.FindAllStringSubmatch(s.heading, -1) {
			sec.Codes = append(sec.Codes, m[1])
		}
		d.Sections = append(d.Sections, sec)
	}
	return d
}

// Section returns the first section whose heading is heading, compared
// without regard to case.
func (d *Doc) Section(heading string) (Section, bool) {
	for _, s := range d.Sections {
		if strings.EqualFold(s.Heading, heading) {
			return s, true
		}
	}
	return Section{}, false
}

// Code returns the section of a diagnostic code, such as "S101".
func (d *Doc) Code(c string) (Section, bool) {
	for _, s := range d.Sections {
		for _, sc := range s.Codes {
			if sc == c {
				return s, true
			}
		}
	}
	return Section{}, false
}

// Code is a diagnostic code and its title: "L001", "syntax error".
type Code struct {
	Code, Title string
}

// Codes returns every diagnostic code the document has a section for, in
// document order, each with the title its heading gives it.
func (d *Doc) Codes() []Code {
	var out []Code
	for _, s := range d.Sections {
		for _, c := range s.Codes {
			title := s.Heading[strings.Index(s.Heading, c)+len(c):]
			title = strings.TrimPrefix(title, " — ")
			if i := code.FindStringIndex(title); i != nil {
				title = title[:i[0]] // X001's title ends where X002's starts
			}
			out = append(out, Code{c, strings.TrimSuffix(strings.TrimSpace(title), " and")})
		}
	}
	return out
}

// Keyword returns the text that defines a keyword of the language, such as
// "credentials" or "max-age": the paragraph that starts with it in bold
// ("**Credentials.** Without ..."), or else the row of a table whose first
// cell is the keyword in code ("| `expose` | header names ..."), or else
// the first paragraph of the section whose heading names it ("###
// Profiles").
func (d *Doc) Keyword(word string) (string, bool) {
	want := normalize(word)
	if want == "" {
		return "", false
	}
	var row string
	for _, s := range d.Sections {
		for _, p := range paragraphs(s.Text) {
			if lead, ok := strings.CutPrefix(p, "**"); ok {
				if end := strings.Index(lead, "**"); end > 0 && startsWithWord(normalize(lead[:end]), want) {
					return p, true
				}
			}
			for _, line := range strings.Split(p, "\n") {
				if row == "" && strings.HasPrefix(line, "| `"+word+"` |") {
					row = line
				}
			}
		}
	}
	if row != "" {
		return row, true
	}
	for _, s := range d.Sections {
		if startsWithWord(normalize(s.Heading), want) {
			for _, p := range paragraphs(s.Text)[1:] {
				if !strings.HasPrefix(p, "```") {
					return p, true
				}
			}
		}
	}
	return "", false
}

// normalize lower-cases a keyword or a lead, reads - as a space, and drops
// trailing punctuation and a plural s, so that "max-age" meets "Max age"
// and "policy" meets "Policies".
func normalize(s string) string {
	s = strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ".:"))
	s = strings.ReplaceAll(s, "-", " ")
	switch {
	case strings.HasSuffix(s, "ies"):
		s = strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss"):
		s = strings.TrimSuffix(s, "s")
	}
	return s
}

// startsWithWord reports whether s is want or starts with it followed by a
// space: "header name" starts with "header".
func startsWithWord(s, want string) bool {
	return s == want || strings.HasPrefix(s, want+" ")
}

// paragraphs splits text at blank lines, keeping fenced code blocks whole.
func paragraphs(text string) []string {
	var out []string
	var cur []string
	fenced := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if line == "" && !fenced {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}
