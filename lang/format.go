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
	return format(filename, src, Parse, Fprint)
}

// format is Format for either file format: parse, print, and prove the
// output by parsing it again.
func format[T any](filename string, src []byte, parse func(string, []byte) (*T, error), print func(io.Writer, *T) error) ([]byte, error) {
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
	if diff := diffTrees(f, g); diff != "" {
		return nil, fmt.Errorf("%s: internal error: formatting would change the file's meaning; the file was left as it is:\n%s", filename, diff)
	}
	return out, nil
}

// Diff compares two trees and their comments, ignoring positions, and
// returns a human-readable difference, or "" when they are the same.
func Diff(a, b *File) string { return diffTrees(a, b) }

// diffTrees compares two trees of either file format, positions aside.
func diffTrees(a, b any) string {
	// cmp.Equal first: building a report is costly and almost never needed.
	if cmp.Equal(a, b, ignorePositions) {
		return ""
	}
	return cmp.Diff(a, b, ignorePositions)
}

var ignorePositions = cmpopts.IgnoreTypes(Span{})
