package query

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the answer for a reader: what was asked, then each
// entry with its regions, its grant and its witness case.
func (res *Result) WriteText(w io.Writer) error {
	p := &printer{w: w}
	p.printf("policy %s: %s\n", res.Policy, res.Question)
	switch {
	case res.Note != "":
		p.printf("  none allowed: %s\n", res.Note)
	case len(res.Entries) == 0:
		p.printf("  none allowed\n")
	}
	for i, e := range res.Entries {
		p.printf("\n  %3d. origins   %s\n", i+1, e.Origins)
		if e.Paths == e.Witness.Request.Path {
			p.printf("       paths     %s\n", e.Paths)
		} else {
			p.printf("       paths     %s (e.g. %s)\n", e.Paths, e.Witness.Request.Path)
		}
		p.printf("       methods   %s\n", e.Methods)
		p.printf("       requests  %s\n", e.Requests)
		p.printf("       answer    %s\n", e.Grant)
		p.printf("       witness\n")
		for _, line := range strings.Split(strings.TrimSuffix(e.Witness.Case, "\n"), "\n") {
			if line == "" {
				p.printf("\n")
			} else {
				p.printf("         %s\n", line)
			}
		}
	}
	return p.err
}

// WriteJSON writes the answer as a JSON object.
func (res *Result) WriteJSON(w io.Writer) error {
	if res.Entries == nil {
		res.Entries = []*Entry{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// printer writes until a write fails and keeps the error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
