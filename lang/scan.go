package lang

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types of the .cors language. Whitespace and Comment are real tokens,
// so that node ends are exact and comments can be kept; participle is handed
// only the others (see tokenStream).
const (
	tokWhitespace lexer.TokenType = iota + 1
	tokComment
	tokString
	tokDuration
	tokInt
	tokIdent
	tokPunct
)

// tokenNames names the token types in the grammar's struct tags and EBNF.
// It is a function, not a map variable, because the parser is built during
// package initialisation and must not depend on initialisation order.
func tokenNames() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF":        lexer.EOF,
		"Whitespace": tokWhitespace,
		"Comment":    tokComment,
		"String":     tokString,
		"Duration":   tokDuration,
		"Int":        tokInt,
		"Ident":      tokIdent,
		"Punct":      tokPunct,
	}
}

// Limits on what the scanner reads. Past them a file is refused with an error
// rather than read for ever: policies are written by people, and nothing a
// person writes comes near them.
const (
	// MaxFileSize is the largest source Parse accepts, in bytes.
	MaxFileSize = 16 << 20
	// MaxLineLength is the longest line Parse accepts, in bytes.
	MaxLineLength = 64 << 10
	// maxScanErrors is how many lexical errors are reported before giving up.
	maxScanErrors = 10
)

// scanner splits source text into tokens, go/scanner style: by hand, one pass,
// positions counted in runes, every error reported with its position.
type scanner struct {
	src      string
	filename string
	offset   int // byte offset of the next rune
	line     int
	col      int
	lineHead int // offset where the current line starts
	tokens   []lexer.Token
	errs     ErrorList
}

// scan tokenises src. It returns every token, comments and whitespace
// included, followed by an EOF token, and the errors it found. After an
// error it recovers as a reader would, so that the parser can go on and
// report the file's other errors: an unterminated string is a string to
// the end of its line, a string in single quotes a string, a stray
// character or a byte that is not UTF-8 is skipped. It returns no tokens
// only when it gives up: for a file over the size limit, or after
// maxScanErrors errors.
func scan(filename string, src []byte) ([]lexer.Token, ErrorList) {
	s := &scanner{src: string(src), filename: filename, line: 1, col: 1}
	if len(src) > MaxFileSize {
		s.errs.Add(s.pos(), Position{}, CodeTooLarge,
			"file is %d bytes; the limit is %d", len(src), MaxFileSize)
		return nil, s.errs
	}
	// Size the token slice from the source: one token per five bytes is
	// about what real policies contain, and growing the slice costs more
	// than the guess wastes.
	s.tokens = make([]lexer.Token, 0, len(src)/5+1)
	for s.offset < len(s.src) && len(s.errs) < maxScanErrors {
		s.next()
	}
	s.checkLineLength() // the last line, which no newline ended
	if len(s.errs) >= maxScanErrors {
		return nil, s.errs
	}
	s.tokens = append(s.tokens, lexer.EOFToken(toLexer(s.pos())))
	return s.tokens, s.errs
}

func (s *scanner) pos() Position {
	return Position{Filename: s.filename, Offset: s.offset, Line: s.line, Column: s.col}
}

// advance moves past n bytes that hold no newline and are valid UTF-8.
func (s *scanner) advance(n int) {
	s.col += utf8.RuneCountInString(s.src[s.offset : s.offset+n])
	s.offset += n
}

func (s *scanner) newline() {
	s.offset++
	s.line++
	s.col = 1
	s.lineHead = s.offset
}

func (s *scanner) emit(typ lexer.TokenType, start Position) {
	s.tokens = append(s.tokens, lexer.Token{
		Type:  typ,
		Value: s.src[start.Offset:s.offset],
		Pos:   toLexer(start),
	})
}

func (s *scanner) errorf(pos Position, n int, code, format string, args ...any) {
	end := pos
	end.Offset += n
	end.Column += utf8.RuneCountInString(s.src[pos.Offset : pos.Offset+n])
	s.errs.Add(pos, end, code, format, args...)
}

// next scans one token, or reports one error and skips the bytes at fault.
func (s *scanner) next() {
	start := s.pos()
	c := s.src[s.offset]
	switch {
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		for s.offset < len(s.src) {
			switch s.src[s.offset] {
			case ' ', '\t':
				s.offset++
				s.col++
			case '\r':
				s.checkText(s.offset, s.offset+1) // reports a CR without LF, read as a blank
				s.offset++
				s.col++
			case '\n':
				s.checkLineLength()
				s.newline()
			default:
				s.emit(tokWhitespace, start)
				return
			}
		}
		s.emit(tokWhitespace, start)
	case c == '#':
		end := s.offset
		for end < len(s.src) && s.src[end] != '\n' && !(s.src[end] == '\r' && end+1 < len(s.src) && s.src[end+1] == '\n') {
			end++
		}
		if !s.checkText(s.offset, end) {
			s.skipTo(end) // the comment holds nothing the parser needs
			return
		}
		s.advance(end - s.offset)
		s.emit(tokComment, start)
	case c == '"':
		s.scanString(start)
	case isDigit(c) || c == '-' && s.offset+1 < len(s.src) && isDigit(s.src[s.offset+1]):
		end := s.offset + 1
		for end < len(s.src) && isDigit(s.src[end]) {
			end++
		}
		typ := tokInt
		if end < len(s.src) && isLetter(s.src[end]) {
			// A number followed by letters is one duration token, so that
			// "10ms" is reported as a bad duration rather than as "10m"
			// followed by a stray "s".
			typ = tokDuration
			for end < len(s.src) && (isLetter(s.src[end]) || isDigit(s.src[end])) {
				end++
			}
		}
		s.advance(end - s.offset)
		s.emit(typ, start)
	case isLetter(c) || c == '_':
		end := s.offset + 1
		for end < len(s.src) && isIdentByte(s.src[end]) {
			end++
		}
		s.advance(end - s.offset)
		s.emit(tokIdent, start)
	case c == '{' || c == '}' || c == ',' || c == '=' || c == '.':
		s.advance(1)
		s.emit(tokPunct, start)
	default:
		s.badCharacter(start)
	}
}

// scanString scans a double-quoted string. Strings hold origins, header
// names, methods and paths, none of which need escapes, so there are none:
// every byte between the quotes is the value, and a column inside a string
// maps straight to a byte of the value. A string with an error is still a
// string token, ending at its closing quote or, unterminated, at the end
// of its line, so that what follows it parses.
func (s *scanner) scanString(start Position) {
	s.quoted(start, '"')
}

// quoted scans a string that opens with the quote q at start.
func (s *scanner) quoted(start Position, q byte) {
	end := s.offset + 1
	reported := false // one error a string
	for end < len(s.src) && s.src[end] != q && s.src[end] != '\n' {
		if c := s.src[end]; !reported && (c == '\\' || c != 0 && c < 0x20 || c == 0x7f) {
			pos := s.posAt(end)
			if c == '\\' {
				s.errorf(pos, 1, CodeBadString, "strings have no escape sequences; a backslash cannot appear in a string")
			} else {
				s.errorf(pos, 1, CodeBadString, "control character %U in string", rune(c))
			}
			reported = true
		}
		end++
	}
	closed := end < len(s.src) && s.src[end] == q
	if !reported && !s.checkText(s.offset, end) {
		reported = true
	}
	if !closed {
		if !reported {
			where := "line"
			if end == len(s.src) {
				where = "file"
			}
			s.errorf(start, end-s.offset, CodeUnterminated, "string literal not terminated before the end of the %s", where)
		}
		// No value a string holds has a blank in it: an unterminated
		// string most likely ends where the first blank is, and what
		// follows (a brace, a comma) is read as what it is.
		if i := strings.IndexAny(s.src[s.offset+1:end], " \t"); i >= 0 {
			end = s.offset + 1 + i
		}
	}
	value := s.src[start.Offset+1 : end]
	if closed {
		end++
	}
	s.skipTo(end)
	s.tokens = append(s.tokens, lexer.Token{Type: tokString, Value: value, Pos: toLexer(start)})
}

// posAt returns the position of byte offset off on the current line.
func (s *scanner) posAt(off int) Position {
	p := s.pos()
	p.Column += utf8.RuneCountInString(s.src[s.offset:off])
	p.Offset = off
	return p
}

// skipTo moves to byte offset off on the current line, counting runes as
// valid UTF-8 or not.
func (s *scanner) skipTo(off int) {
	s.col += utf8.RuneCountInString(s.src[s.offset:off])
	s.offset = off
}

// bareOrigin handles "://" right after the identifier http or https: an
// origin written without its quotes. It reports it with the quoted form to
// write, at the identifier, and reads it as that string. It reports false
// when the token before is not such an identifier.
func (s *scanner) bareOrigin() bool {
	n := len(s.tokens)
	if n == 0 {
		return false
	}
	scheme := s.tokens[n-1]
	if scheme.Type != tokIdent || !strings.EqualFold(scheme.Value, "http") && !strings.EqualFold(scheme.Value, "https") ||
		scheme.Pos.Offset+len(scheme.Value) != s.offset {
		return false
	}
	end := s.offset
	for end < len(s.src) && !strings.ContainsRune(" \t\r\n,{}\"#", rune(s.src[end])) {
		end++
	}
	text := s.src[scheme.Pos.Offset:end]
	if !utf8.ValidString(text) {
		return false
	}
	start := fromLexer(scheme.Pos)
	s.errorf(start, len(text), CodeBadCharacter, "origins are quoted strings: write %q", text)
	s.skipTo(end)
	s.tokens[n-1] = lexer.Token{Type: tokString, Value: text, Pos: scheme.Pos}
	return true
}

// checkText reports the first NUL byte, invalid UTF-8 sequence, byte
// order mark, carriage return without a line feed or bidirectional control
// in src[from:to], which holds no newline, and says whether there was
// none. It does not move.
func (s *scanner) checkText(from, to int) bool {
	for i := from; i < to; {
		r, size := utf8.DecodeRuneInString(s.src[i:])
		switch {
		case r == 0:
			s.errorf(s.posAt(i), 1, CodeBadEncoding, "NUL byte in source")
		case r == utf8.RuneError && size == 1:
			pos := s.posAt(i)
			s.errs.Add(pos, pos, CodeBadEncoding, "invalid UTF-8 byte %#02x; .cors files are UTF-8", s.src[i])
		case r == '\uFEFF':
			s.errorf(s.posAt(i), size, CodeBadCharacter, "byte order mark in source; .cors files are UTF-8 without one")
		case r == '\r' && !strings.HasPrefix(s.src[i:], "\r\n"):
			// Lines end with LF or CRLF, but editors and terminals start a
			// line at a lone CR too: what follows it would be shown as a
			// line of its own while it is read as part of this one.
			s.errorf(s.posAt(i), size, CodeBadCharacter, "carriage return (U+000D) without a line feed; lines end with LF or CRLF")
		case isBidiControl(r):
			// Shown reordered, the text around it would read otherwise
			// than it is parsed (Trojan Source, CVE-2021-42574).
			s.errorf(s.posAt(i), size, CodeBadCharacter, "bidirectional control character %U; it can make the text shown differ from the text read", r)
		default:
			i += size
			continue
		}
		return false
	}
	return true
}

// isBidiControl reports whether r is one of the Unicode controls that
// embed, override or isolate a direction of text (UAX #9): the ones that
// reorder what is shown, so a comment or string could hide code.
func isBidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// badCharacter reports a character that starts no token and skips it; a
// string in single quotes is read as a string, and an origin written
// without quotes (https://app.example.com) as the quoted origin it meant.
func (s *scanner) badCharacter(start Position) {
	r, size := utf8.DecodeRuneInString(s.src[s.offset:])
	if r == ':' && strings.HasPrefix(s.src[s.offset:], "://") && s.bareOrigin() {
		return
	}
	switch {
	case !s.checkText(s.offset, s.offset+size):
	case r < 0x20 || r == 0x7f:
		s.errorf(start, size, CodeBadCharacter, "unexpected control character %U", r)
	case r == '\'':
		s.errorf(start, size, CodeBadCharacter, "unexpected character ' (U+0027); strings are written in double quotes")
		if end := strings.IndexAny(s.src[s.offset+1:], "'\n"); end >= 0 && s.src[s.offset+1+end] == '\'' {
			n := len(s.errs)
			s.quoted(start, '\'')
			s.errs = s.errs[:n] // one error for the string is enough
			return
		}
	default:
		s.errorf(start, size, CodeBadCharacter, "unexpected character %c (%U)", r, r)
	}
	s.skipTo(s.offset + size)
}

func (s *scanner) checkLineLength() {
	if n := s.offset - s.lineHead; n > MaxLineLength {
		s.errs.Add(Position{Filename: s.filename, Offset: s.lineHead, Line: s.line, Column: 1}, Position{},
			CodeTooLarge, "line is %d bytes long; the limit is %d", n, MaxLineLength)
	}
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isLetter(c byte) bool    { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isIdentByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c == '-' }

// definition gives participle the token types; the tokens themselves come
// from scan, so its Lex is only a convenience for tools that want a stream.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return tokenNames() }

func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	toks, errs := scan(filename, src)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return &tokenStream{tokens: toks}, nil
}

// tokenStream hands participle a token slice that scan already made;
// with significant, only the tokens of the grammar, without whitespace
// and comments.
type tokenStream struct {
	tokens      []lexer.Token
	next        int
	significant bool
}

func (t *tokenStream) Next() (lexer.Token, error) {
	for t.significant && t.next < len(t.tokens) && elided(t.tokens[t.next].Type) {
		t.next++
	}
	if t.next >= len(t.tokens) {
		return t.tokens[len(t.tokens)-1], nil // the EOF token, again
	}
	tok := t.tokens[t.next]
	t.next++
	return tok, nil
}
