package lang

import "fmt"

// Position is a place in a source file.
//
// Its fields have the names and types of participle's lexer.Position so that
// the parser fills them directly, but the type belongs to this package: users
// of the AST never import participle.
type Position struct {
	Filename string // file name, as given to Parse
	Offset   int    // byte offset, starting at 0
	Line     int    // line number, starting at 1
	Column   int    // column number in runes, starting at 1
}

// IsValid reports whether the position was set.
func (p Position) IsValid() bool { return p.Line > 0 }

// String returns "file:line:col", leaving out the parts that are unknown.
func (p Position) String() string {
	s := p.Filename
	if p.IsValid() {
		if s != "" {
			s += ":"
		}
		s += fmt.Sprintf("%d:%d", p.Line, p.Column)
	}
	if s == "" {
		s = "-"
	}
	return s
}

// Span is the source range of a node. Pos is the node's first byte; EndPos is
// the byte just after its last one, so a node's text is src[Pos.Offset:EndPos.Offset].
//
// Every AST node embeds a Span; the parser fills it.
type Span struct {
	Pos    Position
	EndPos Position
}

// Start returns the position of the node's first byte.
func (s Span) Start() Position { return s.Pos }

// End returns the position just after the node's last byte.
func (s Span) End() Position { return s.EndPos }
