package lang

import (
	"bytes"
	"fmt"
	"io"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Format returns src in the canonical layout.
//
// Format proves its own output before returning it: it scans the output
// and requires the tokens of src, in the same order, and the same
// comments; only the layout between them may change. The parser reads
// nothing but that sequence of tokens, so the output parses to the tree
// src parses to. If they differ, which would be a bug in the printer, it
// returns an error and no output, so that a formatter can never change
// what a policy means or lose a comment.
func Format(filename string, src []byte) ([]byte, error) {
	return format(filename, src, parsePolicy, Fprint)
}

// format is Format for either file format: parse, print, and prove the
// output by scanning it and comparing its tokens with those of src.
func format[T any](filename string, src []byte, parse func(string, []byte) (*T, []lexer.Token, error),
	print func(io.Writer, *T) error) ([]byte, error) {
	f, tokens, err := parse(filename, src)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := print(&buf, f); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	printed, errs := scan(filename, out)
	if len(errs) > 0 {
		if errs[0].Code == CodeTooLarge {
			// Indentation can carry a file or a line that was within the
			// limits past them: no bug, but an output Parse would refuse.
			return nil, fmt.Errorf("%s: formatted, it would be too large to read back (the output's %s); the file was left as it is",
				filename, errs[0].Msg)
		}
		return nil, fmt.Errorf("%s: internal error: the formatted output does not parse (%v); the file was left as it is", filename, errs)
	}
	if diff := tokensDiffer(tokens, printed); diff != "" {
		return nil, fmt.Errorf("%s: internal error: formatting would change the file's meaning (%s); the file was left as it is", filename, diff)
	}
	if r, ok := any(f).(interface{ ruleStarts() map[int]bool }); ok {
		if msg := silencesMoved(tokens, printed, r.ruleStarts); msg != "" {
			return nil, &silenceMovedError{filename, msg}
		}
	}
	return out, nil
}

// A silenceMovedError is the error of a file whose layout the printer
// cannot give without moving a silence onto a rule or off one: a silence
// placed among the tokens of a rule or profile header, which the printer
// puts above the next statement. Only its writer can say which rule it is
// about.
type silenceMovedError struct{ filename, msg string }

func (e *silenceMovedError) Error() string {
	return e.filename + ":" + e.msg + "; put it on a line of its own right above the rule it is about, or remove it; the file was left as it is"
}

// ruleStarts returns the offsets of the first tokens of the file's rules:
// the tokens a silence can be about (Silence.Covers).
func (f *File) ruleStarts() map[int]bool {
	starts := map[int]bool{}
	for _, d := range f.Decls {
		p, ok := d.(*Policy)
		if !ok {
			continue
		}
		for _, it := range p.Items {
			switch it := it.(type) {
			case *Rule:
				starts[it.Pos.Offset] = true
			case *Profile:
				for _, r := range it.Rules {
					starts[r.Pos.Offset] = true
				}
			}
		}
	}
	return starts
}

// tokensDiffer compares the tokens of a source and of its printed form,
// whitespace aside, and says where they first differ, or returns "". The
// tokens the parser reads and the comments are compared as two sequences:
// a comment may move between tokens, as the printer places it, but
// neither sequence may change. A comment's trailing blanks are not part of
// it (the printer drops them).
func tokensDiffer(src, out []lexer.Token) string {
	if diff := sequencesDiffer(src, out, func(t lexer.Token) bool { return t.Type != tokWhitespace && t.Type != tokComment }); diff != "" {
		return diff
	}
	return sequencesDiffer(src, out, func(t lexer.Token) bool { return t.Type == tokComment })
}

// silencesMoved says where a silence would stand above a rule in out that
// it did not stand above in src, or the other way round, or returns "": a
// silence is about the rule below it (Silence.Covers), so that move would
// change which findings the policy passes with, although the tree is the
// same. src and out hold the same tokens and comments (tokensDiffer), and
// ruleStarts returns the offsets in src of the rules' first tokens. A
// silence the printer moves between other tokens (from above a "{" to
// above the clause after it) silences nothing in either place, and passes.
func silencesMoved(src, out []lexer.Token, ruleStarts func() map[int]bool) string {
	a := silencePlaces(src)
	if len(a) == 0 {
		return "" // most files: nothing to index
	}
	rules := ruleStarts()
	var read []int // the indexes in src of the tokens the parser reads
	for i, t := range src {
		if t.Type != tokWhitespace && t.Type != tokComment && !t.EOF() {
			read = append(read, i)
		}
	}
	rule := func(ordinal int) bool { return ordinal >= 0 && rules[src[read[ordinal]].Pos.Offset] }
	b := silencePlaces(out)
	for i := range min(len(a), len(b)) {
		from, to := a[i].above, b[i].above
		switch {
		case from == to:
		case rule(to):
			return fmt.Sprintf("%s: formatted, this silence would stand above the rule at %s, which it does not silence here",
				lineColumn(src[a[i].at]), lineColumn(src[read[to]]))
		case rule(from):
			return fmt.Sprintf("%s: formatted, this silence would no longer stand above the rule at %s",
				lineColumn(src[a[i].at]), lineColumn(src[read[from]]))
		}
	}
	return "" // the comparison of comments has found the same silences
}

// A silencePlace is a silence's comment token, at, and the ordinal among
// the tokens the parser reads of the one it stands above, or -1 (see
// Comment.Above).
type silencePlace struct{ at, above int }

func silencePlaces(tokens []lexer.Token) []silencePlace {
	var out []silencePlace
	eachComment(tokens, func(at, _, ordinal int) {
		if silenceRx.MatchString(commentText(tokens[at])) {
			out = append(out, silencePlace{at, ordinal})
		}
	})
	return out
}

// sequencesDiffer compares the tokens of src and out that keep selects, by
// type and text.
func sequencesDiffer(src, out []lexer.Token, keep func(lexer.Token) bool) string {
	i, j := 0, 0
	for {
		for i < len(src) && !keep(src[i]) {
			i++
		}
		for j < len(out) && !keep(out[j]) {
			j++
		}
		if i == len(src) || j == len(out) {
			if i == len(src) && j == len(out) {
				return ""
			}
			if i == len(src) {
				return fmt.Sprintf("%s at %s would be added at the end of the output", describe(out[j]), lineColumn(out[j]))
			}
			return fmt.Sprintf("%s at %s would be lost", describe(src[i]), lineColumn(src[i]))
		}
		a, b := src[i], out[j]
		if a.Type != b.Type || tokenText(a) != tokenText(b) {
			return fmt.Sprintf("%s at %s would become %s at %s of the output", describe(a), lineColumn(a), describe(b), lineColumn(b))
		}
		i, j = i+1, j+1
	}
}

// lineColumn is where a token stands, for a message that has already
// named the file.
func lineColumn(t lexer.Token) string { return fmt.Sprintf("%d:%d", t.Pos.Line, t.Pos.Column) }

// tokenText is a token's text as the sequences compare it.
func tokenText(t lexer.Token) string {
	if t.Type == tokComment {
		return commentText(t)
	}
	return t.Value
}

// Diff compares two trees and their comments, ignoring positions, and
// returns a human-readable difference, or "" when they are the same.
func Diff(a, b *File) string {
	if equalFiles(a, b) {
		return ""
	}
	return report(a, b)
}

// report says how two trees that equalFiles or equalFixtures finds
// different differ, in go-cmp's words.
func report(a, b any) string {
	if diff := cmp.Diff(a, b, ignorePositions); diff != "" {
		return diff
	}
	return "(the trees differ)"
}

var ignorePositions = cmpopts.IgnoreTypes(Span{}, Position{})
