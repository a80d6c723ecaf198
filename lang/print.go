package lang

import (
	"bytes"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// Layout of the canonical form.
const (
	indentUnit = "    "
	// maxWidth is the widest a list may print on one line, in runes,
	// indentation included. A longer list prints one value per line.
	maxWidth = 100
)

// Fprint writes f to w in the canonical layout, with every comment of
// f.Comments put back where it stood: before, after or inside the statement
// it was written next to.
//
// Fprint prints whatever tree it is given; it does not check that the output
// parses back to the same tree. Format does.
func Fprint(w io.Writer, f *File) error {
	p := &printer{comments: f.Comments}
	p.file(f)
	_, err := w.Write(p.out)
	return err
}

// printer writes the canonical form line by line. It walks the tree in
// source order and, before each line, prints the comments that came before
// it in the source; after each line, the comment that ended its source line.
type printer struct {
	out      []byte
	comments []*Comment
	next     int // index of the first comment not yet printed
	indent   int

	pad       int  // spaces to add before a list printed on one line, for alignment
	srcLine   int  // source line of the last thing printed
	afterOpen bool // the last line printed opened a block, or nothing has been printed
}

func (p *printer) pending() *Comment {
	if p.next < len(p.comments) {
		return p.comments[p.next]
	}
	return nil
}

// gap writes the blank line that separates what comes next, at source line
// line, from what came before: always when sep asks for one, and otherwise
// when the source had one, except at the top of a block or of the file.
func (p *printer) gap(line int, sep bool) {
	if p.afterOpen || len(p.out) == 0 {
		return
	}
	if sep || line > p.srcLine+1 {
		p.out = append(p.out, '\n')
	}
}

// leading prints, on lines of their own, the comments that come before the
// source offset before. When sep is set, a blank line goes before the first
// of them, or before the statement if there are none. It reports whether sep
// is still owed.
func (p *printer) leading(before int, sep bool) bool {
	for c := p.pending(); c != nil && c.Pos.Offset < before; c = p.pending() {
		p.gap(c.Pos.Line, sep)
		sep = false
		p.writeIndent()
		p.out = append(p.out, c.Text...)
		p.out = append(p.out, '\n')
		p.next++
		p.srcLine = c.Pos.Line
		p.afterOpen = false
	}
	return sep
}

// begin starts the output line of the node that starts at pos.
func (p *printer) begin(pos Position, sep bool) {
	sep = p.leading(pos.Offset, sep)
	p.gap(pos.Line, sep)
	p.writeIndent()
	p.afterOpen = false
}

// finish ends the current output line, whose source text ended at end. A
// comment that followed on the same source line goes at the end of it.
func (p *printer) finish(end Position) { p.finishBefore(end, math.MaxInt) }

// finishBefore is finish for a line whose source continues after end: only
// a comment before the offset limit belongs to it.
func (p *printer) finishBefore(end Position, limit int) {
	if c := p.pending(); c != nil && c.Pos.Line == end.Line && c.Pos.Offset >= end.Offset && c.Pos.Offset < limit {
		p.out = append(p.out, ' ')
		p.out = append(p.out, c.Text...)
		p.next++
	}
	p.out = append(p.out, '\n')
	p.srcLine = end.Line
}

// open ends a line that opens a block; after is a position on the source
// line of the brace, before it.
func (p *printer) open(after Position) {
	p.finish(after)
	p.indent++
	p.afterOpen = true
}

// close prints what is left inside a block and its closing brace, which
// ends the node whose end is end.
func (p *printer) close(end Position) {
	brace := end
	brace.Offset--
	p.leading(brace.Offset, false)
	p.indent--
	p.writeIndent()
	p.out = append(p.out, '}')
	p.afterOpen = false
	p.finish(end)
}

func (p *printer) writeIndent() {
	for range p.indent {
		p.out = append(p.out, indentUnit...)
	}
}

func (p *printer) str(s string) { p.out = append(p.out, s...) }

// column returns the width in runes of the current output line.
func (p *printer) column() int {
	start := bytes.LastIndexByte(p.out, '\n') + 1
	return utf8.RuneCount(p.out[start:])
}

func (p *printer) file(f *File) {
	p.afterOpen = true
	p.begin(f.Version.Pos, false)
	p.str("cors " + f.Version.Number.Text)
	p.finish(f.Version.EndPos)
	for i, imp := range f.Imports {
		p.begin(imp.Pos, i == 0)
		p.str(`import "` + imp.Path.Value + `"`)
		if imp.Alias != nil {
			p.str(" as " + imp.Alias.Name)
		}
		p.finish(imp.EndPos)
	}
	var prev Decl
	for i, d := range f.Decls {
		// Set declarations may stand in groups; a policy or a bundle
		// always has blank lines around it, and so has the first
		// declaration.
		_, prevIsSet := prev.(*SetDecl)
		_, isSet := d.(*SetDecl)
		sep := i == 0 || !isSet || !prevIsSet
		switch d := d.(type) {
		case *SetDecl:
			p.begin(d.Pos, sep)
			p.str(d.Kind + " " + d.Name.Name + " =")
			multi := p.list(d.Values, d.Name.EndPos)
			p.finish(d.EndPos)
			p.unindent(multi)
		case *Bundle:
			p.begin(d.Pos, true)
			p.str("grants " + d.Name.Name + " {")
			p.block(d.Block)
		case *Policy:
			p.begin(d.Pos, sep)
			p.str("policy " + d.Name.Name + " {")
			p.open(d.Name.EndPos)
			for j, item := range d.Items {
				switch item := item.(type) {
				case *Rule:
					p.rule(item, j > 0)
				case *Profile:
					p.profile(item, j > 0)
				case *DevProfiles:
					p.begin(item.Pos, j > 0)
					p.str("dev-profiles " + identList(item.Names))
					p.finish(item.EndPos)
				}
			}
			p.close(d.EndPos)
		}
		prev = d
	}
	p.leading(math.MaxInt, false) // the comments after the last declaration
}

func (p *printer) profile(pr *Profile, sep bool) {
	p.begin(pr.Pos, sep)
	p.str("profile " + identList(pr.Names) + " {")
	p.open(pr.Names[len(pr.Names)-1].EndPos)
	for i, r := range pr.Rules {
		p.rule(r, i > 0)
	}
	p.close(pr.EndPos)
}

// identList returns names as a list: "a, b".
func identList(names []*Ident) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n.Name)
	}
	return b.String()
}

func (p *printer) rule(r *Rule, sep bool) {
	p.begin(r.Pos, sep)
	p.str(r.Effect)
	multi := p.list(r.Origins, advance(r.Pos, r.Effect))
	if r.Block == nil {
		p.finish(r.EndPos)
		p.unindent(multi)
		return
	}
	if multi {
		// A rule whose origins take several lines opens its block on a
		// line of its own, so the clauses do not read as more origins.
		p.finishBefore(r.Origins[len(r.Origins)-1].EndPos, r.Block.Pos.Offset)
		p.unindent(multi)
		p.begin(r.Block.Pos, false)
		p.str("{")
	} else {
		p.str(" {")
	}
	p.block(r.Block)
}

// block prints the clauses of a block and its closing brace, after the
// opening brace printed on the current line.
func (p *printer) block(b *Block) {
	p.open(b.Pos)
	width := 0
	for _, c := range b.Clauses {
		if k := Keyword(c); k != "" {
			if _, flag := c.(*FlagClause); !flag {
				width = max(width, len(k))
			}
		}
	}
	for _, c := range b.Clauses {
		p.begin(c.Start(), false)
		k := Keyword(c)
		multi := false
		switch c := c.(type) {
		case *GrantsClause:
			p.str(k + strings.Repeat(" ", width-len(k)+1) + valueText(c.Bundle))
		case *FlagClause:
			p.str(k)
		case *ListClause:
			p.str(k)
			p.pad = width - len(k)
			multi = p.list(c.Values, advance(c.Pos, k))
		case *MaxAgeClause:
			p.str(k + strings.Repeat(" ", width-len(k)+1) + c.Duration.Text)
		case *StatusClause:
			p.str(k + strings.Repeat(" ", width-len(k)+1) + c.Status.Text)
		}
		p.finish(c.End())
		p.unindent(multi)
	}
	p.close(b.EndPos)
}

// Keyword returns the keyword a clause starts with: "paths", "credentials",
// "max-age", "grants" and so on.
func Keyword(c Clause) string {
	switch c := c.(type) {
	case *ListClause:
		return c.Keyword
	case *FlagClause:
		return c.Keyword
	case *MaxAgeClause:
		return "max-age"
	case *StatusClause:
		return "preflight-status"
	case *GrantsClause:
		return "grants"
	}
	return ""
}

// list prints the values of a list after the text already on the line,
// whose source ended at after. It prints them on that line when they fit and
// no comment stands among them; otherwise it ends the line and prints one
// value per line, one level deeper, leaving the last line open for the
// caller to finish. It reports which it did; the caller undoes the deeper
// indentation with unindent once the last line is finished.
func (p *printer) list(values []*Value, after Position) (multi bool) {
	pad := p.pad
	p.pad = 0
	last := values[len(values)-1]
	inline := true
	if c := p.pending(); c != nil && c.Pos.Offset < last.EndPos.Offset {
		inline = false
	} else {
		width := p.column() + pad
		for i, v := range values {
			width += utf8.RuneCountInString(valueText(v)) + 1
			if i > 0 {
				width++
			}
		}
		inline = width <= maxWidth
	}
	if inline {
		p.str(strings.Repeat(" ", pad))
		for i, v := range values {
			if i > 0 {
				p.str(",")
			}
			p.str(" " + valueText(v))
		}
		return false
	}
	p.finishBefore(after, values[0].Pos.Offset)
	p.indent++
	for i, v := range values {
		p.begin(v.Pos, false)
		p.str(valueText(v))
		if i < len(values)-1 {
			p.str(",")
			p.finishBefore(v.EndPos, values[i+1].Pos.Offset)
		}
	}
	return true
}

func (p *printer) unindent(multi bool) {
	if multi {
		p.indent--
	}
}

// valueText returns a value as the canonical form writes it.
func valueText(v *Value) string {
	switch {
	case v.Literal != nil:
		return `"` + v.Literal.Value + `"`
	case v.Ref != nil:
		return v.Ref.String()
	}
	return v.Keyword
}

// advance returns pos moved past text, which holds no newline.
func advance(pos Position, text string) Position {
	pos.Offset += len(text)
	pos.Column += utf8.RuneCountInString(text)
	return pos
}
