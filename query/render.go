package query

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/corspolicy/cors/partition"
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
		p.printf("\n")
		p.lines(partition.EntryLines(i+1, e.Origins, e.Paths, e.Witness.Request.Path, e.Methods, e.Requests))
		p.printf("       answer    %s\n", e.Grant)
		p.lines(partition.WitnessLines(e.Witness.Case))
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

// lines writes each line with its newline.
func (p *printer) lines(ls []string) {
	for _, l := range ls {
		p.printf("%s\n", l)
	}
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
