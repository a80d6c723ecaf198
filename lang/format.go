package lang

import (
	"bytes"
	"fmt"
	"io"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Format returns src in the canonical layout.
//
// Format proves its own output before returning it: it parses the output
// again and compares the tree and the comments with those of src, positions
// aside. If they differ, which would be a bug in the printer, it returns an
// error and no output, so that a formatter can never change what a policy
// means or lose a comment.
func Format(filename string, src []byte) ([]byte, error) {
	return format(filename, src, Parse, Fprint, equalFiles)
}

// format is Format for either file format: parse, print, and prove the
// output by parsing it again.
func format[T any](filename string, src []byte, parse func(string, []byte) (*T, error), print func(io.Writer, *T) error,
	equal func(a, b *T) bool) ([]byte, error) {
	f, err := parse(filename, src)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := print(&buf, f); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	g, err := parse(filename, out)
	if err != nil {
		return nil, fmt.Errorf("%s: internal error: the formatted output does not parse (%v); the file was left as it is", filename, err)
	}
	if !equal(f, g) {
		return nil, fmt.Errorf("%s: internal error: formatting would change the file's meaning; the file was left as it is:\n%s", filename, report(f, g))
	}
	return out, nil
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

var ignorePositions = cmpopts.IgnoreTypes(Span{})
