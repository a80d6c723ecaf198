package lsp

// Completion happens while a file is being typed, when it seldom parses;
// it reads the tokens before the cursor with this scanner, which never
// fails: an unterminated string runs to the end of its line, and a byte
// that starts no token is skipped.

type tokKind uint8

const (
	tIdent tokKind = iota + 1
	tString
	tNumber
	tPunct
)

type token struct {
	kind     tokKind
	text     string // for a string, with its quotes
	from, to int
	open     bool // a string without its closing quote
}

// tokensBefore returns the tokens of text that start before offset end,
// comments left out.
func tokensBefore(text string, end int) []token {
	var out []token
	i := 0
	for i < len(text) && i < end {
		c := text[i]
		start := i
		switch {
		case c == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
			continue
		case c == '"':
			i++
			for i < len(text) && text[i] != '"' && text[i] != '\n' {
				i++
			}
			open := i >= len(text) || text[i] != '"'
			if !open {
				i++
			}
			out = append(out, token{kind: tString, text: text[start:i], from: start, to: i, open: open})
			continue
		case isWordByte(c) && !(c == '-' && (i+1 >= len(text) || !isWordByte(text[i+1]))):
			for i < len(text) && isWordByte(text[i]) {
				i++
			}
			kind := tIdent
			if c >= '0' && c <= '9' || c == '-' {
				kind = tNumber
			}
			out = append(out, token{kind: kind, text: text[start:i], from: start, to: i})
			continue
		case c == '{' || c == '}' || c == ',' || c == '=' || c == '.':
			out = append(out, token{kind: tPunct, text: text[i : i+1], from: i, to: i + 1})
		}
		i++
	}
	return out
}
