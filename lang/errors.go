package lang

import (
	"cmp"
	"fmt"
	"io"
	"slices"
)

// An Error is a problem found in source text, at a position.
type Error struct {
	Pos  Position // where the problem starts
	End  Position // just after the offending text; may be the zero Position
	Code string   // stable identifier, such as "L001"; documented in SPEC.md
	Msg  string   // what is wrong
	Fix  string   // what to do about it, when there is one thing to do and Msg does not say it
}

// Error returns "file:line:col: message".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is a list of errors, sorted by position once Sort has run.
// Its zero value is an empty list ready to use.
type ErrorList []*Error

// Add appends an error with the given position, code and message.
func (l *ErrorList) Add(pos, end Position, code, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, End: end, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// Sort orders the list by file, then offset, then code and message, so that
// output is stable whatever order the errors were found in.
func (l ErrorList) Sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Offset, b.Pos.Offset),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
}

// Error returns the first error's text and how many more there are.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Err returns nil when the list is empty and the list itself otherwise, so
// that a function can end with "return list.Err()".
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// PrintErrors writes every error in err on its own line when err is an
// ErrorList, as the lint writes a finding: "file:line:col: message (CODE)",
// and a line "\tfix: ..." when the error has one; and err itself otherwise.
func PrintErrors(w io.Writer, err error) {
	if list, ok := err.(ErrorList); ok {
		for _, e := range list {
			if e.Code != "" {
				fmt.Fprintf(w, "%s (%s)\n", e, e.Code)
			} else {
				fmt.Fprintln(w, e)
			}
			if e.Fix != "" {
				fmt.Fprintf(w, "\tfix: %s\n", e.Fix)
			}
		}
		return
	}
	if err != nil {
		fmt.Fprintln(w, err)
	}
}
