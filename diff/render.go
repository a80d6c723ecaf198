package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/corspolicy/cors/partition"
)

// WriteText writes the comparisons for a reader: per policy and build, the
// changes grouped as widened, narrowed and changed, each with its regions
// and its witness case.
func WriteText(w io.Writer, cs []*Comparison) error {
	p := &printer{w: w}
	changed := 0
	for _, c := range cs {
		if len(c.Entries) == 0 {
			p.printf("policy %s, %s: no change\n", c.Policy, c.Build())
			continue
		}
		changed++
		p.printf("policy %s, %s%s: %s\n", c.Policy, c.Build(), addedRemoved(c), count(len(c.Entries), "change"))
		last := Category(255)
		for i, e := range c.Entries {
			if e.Category != last {
				p.printf("\n  %s\n", e.Category)
				last = e.Category
			}
			p.printf("\n")
			p.lines(partition.EntryLines(i+1, e.Origins, e.Paths, e.Witness.Request.Path, e.Methods, e.Requests))
			if e.Except != "" {
				p.printf("       except    %s\n", e.Except)
			}
			for j, ch := range e.Changes {
				label := "change "
				if j > 0 {
					label = "       "
				}
				p.printf("       %s   %s\n", label, ch)
			}
			p.lines(partition.WitnessLines(e.Witness.Case))
		}
		p.printf("\n")
	}
	if changed == 0 {
		p.printf("no change: every request is answered alike\n")
	}
	return p.err
}

// WriteMarkdown writes a summary for a pull-request comment: a table of
// the changes per policy and build, and their witnesses folded away.
func WriteMarkdown(w io.Writer, cs []*Comparison) error {
	p := &printer{w: w}
	changed := 0
	for _, c := range cs {
		if len(c.Entries) == 0 {
			continue
		}
		changed++
		p.printf("### Policy `%s`, %s%s: %s\n\n", c.Policy, c.Build(), addedRemoved(c), count(len(c.Entries), "change"))
		p.printf("| | origins | paths | methods | requests | change |\n|---|---|---|---|---|---|\n")
		for i, e := range c.Entries {
			var chs []string
			for _, ch := range e.Changes {
				chs = append(chs, ch.String())
			}
			requests := e.Requests
			if e.Except != "" {
				requests += ", except " + e.Except
			}
			p.printf("| %d %s | %s | %s | %s | %s | %s |\n", i+1, e.Category, cell(e.Origins), cell(e.Paths), cell(e.Methods),
				cell(requests), cell(strings.Join(chs, "; ")))
		}
		p.printf("\n<details><summary>Witnesses: requests the two policies answer differently, as fixture cases</summary>\n\n```\n")
		for i, e := range c.Entries {
			p.printf("# %d\n%s\n", i+1, e.Witness.Case)
		}
		p.printf("```\n\n</details>\n\n")
	}
	if changed == 0 {
		p.printf("No change: every request is answered alike.\n")
	}
	return p.err
}

// WriteJSON writes the comparisons as a JSON array.
func WriteJSON(w io.Writer, cs []*Comparison) error {
	if cs == nil {
		cs = []*Comparison{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(cs)
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "*", `\*`, "_", `\_`).Replace(s)
}

func addedRemoved(c *Comparison) string {
	switch {
	case c.Added:
		return " (added)"
	case c.Removed:
		return " (removed)"
	}
	return ""
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
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
