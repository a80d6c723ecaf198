package lang

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Keywords that may start a statement, by where the statement stands.
var (
	topKeywords     = []string{"import", "origins", "methods", "headers", "grants", "policy"}
	policyKeywords  = []string{"allow", "deny", "profile", "dev-profiles"}
	profileKeywords = []string{"allow", "deny"}
	clauseKeywords  = []string{"paths", "methods", "headers", "expose", "credentials",
		"max-age", "private-network", "preflight-status", "grants"}
)

// grammar is what syntaxError needs to know of a file format: its version
// keyword, and which statements may stand at the top and in each block.
type grammar struct {
	version     string
	versionNum  int
	top         []string
	blocks      map[string][]string // statements in a block, by the keyword that opened it
	nouns       map[string]string   // what those statements are called
	openers     []string            // keywords that open a block
	flags       []string            // keywords that take no value
	listOpeners []string            // keywords followed by a list of values
	// valueKeywords lists, for a keyword, the words that may follow it
	// when a misspelling of them would parse as something else.
	valueKeywords map[string][]string
}

var policyGrammar = &grammar{
	version:    "cors",
	versionNum: LanguageVersion,
	top:        topKeywords,
	blocks: map[string][]string{
		"policy": policyKeywords, "profile": profileKeywords, "allow": clauseKeywords, "deny": clauseKeywords,
		"grants": clauseKeywords,
	},
	nouns: map[string]string{
		"policy": "rule, profile, dev-profiles", "profile": "rule", "allow": "clause", "deny": "clause", "grants": "clause",
	},
	openers:     []string{"policy", "profile", "allow", "deny", "grants"},
	flags:       []string{"credentials", "private-network"},
	listOpeners: []string{"allow", "deny", "paths", "methods", "headers", "expose"},
}

// keywords returns every keyword that starts a statement in g.
func (g *grammar) keywords() [][]string {
	out := [][]string{g.top}
	for _, k := range g.openers {
		out = append(out, g.blocks[k])
	}
	return out
}

// block is an open brace and what opened it.
type block struct {
	keyword string // policy, profile, allow or deny
	pos     Position
}

// syntaxError turns participle's error into one in the form
// "expected X, found Y", naming the nearest keyword when the token found is
// a misspelt one. participle reports only what the failing grammar node
// wanted; the enclosing block, read back from the tokens, says what the
// writer could have meant.
func syntaxError(err error, tokens []lexer.Token, g *grammar) *Error {
	perr, ok := err.(participle.Error)
	if !ok {
		return &Error{Code: CodeSyntax, Msg: err.Error()}
	}
	pos := fromLexer(perr.Position())
	var expect string
	if u, ok := err.(*participle.UnexpectedTokenError); ok {
		expect = u.Expect
		if expect == "" {
			// The expectation is rendered lazily from the grammar node.
			expect = strings.TrimSuffix(strings.TrimPrefix(u.Message(), fmt.Sprintf("unexpected token %q (expected ", u.Unexpected)), ")")
			if strings.HasPrefix(expect, "unexpected token") {
				expect = ""
			}
		}
	} else {
		return &Error{Pos: pos, Code: CodeSyntax, Msg: perr.Message()}
	}

	// Find the token at fault, the one before it, and the open blocks.
	var found, prev lexer.Token
	var open []block
	var last lexer.Token // last significant token, to find what opened a brace
	var stmt string      // keyword that started the current statement
	sinceOpen := 0       // significant tokens since the last "{"
	for _, t := range tokens {
		if t.Type == tokWhitespace || t.Type == tokComment {
			continue
		}
		if t.Pos.Offset >= pos.Offset {
			found = t
			break
		}
		sinceOpen++
		switch {
		case t.Type == tokPunct && t.Value == "{":
			open = append(open, block{stmt, fromLexer(t.Pos)})
			stmt, sinceOpen = "", 0
		case t.Type == tokPunct && t.Value == "}":
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
			stmt = ""
		case t.Type == tokIdent && g.isStatementStart(last, t.Value):
			stmt = t.Value
		}
		prev, last = last, t
	}

	inner := "file"
	var innerPos Position
	if n := len(open); n > 0 {
		inner, innerPos = open[n-1].keyword, open[n-1].pos
	}

	e := &Error{Pos: pos, End: tokenEnd(found), Code: CodeSyntax}
	what := describe(found)
	switch {
	case last.Type == 0 && !(found.Type == tokIdent && found.Value == g.version):
		e.Msg = fmt.Sprintf("expected the version line \"%s %d\", found %s", g.version, g.versionNum, what)
	case last.Type == tokIdent && slices.Contains(g.flags, last.Value) &&
		inner != "file" && (found.Type != tokIdent || Nearest(found.Value, g.blocks[inner]) == ""):
		e.Msg = fmt.Sprintf("expected clause or \"}\", found %s; %s takes no value", what, last.Value)
	case g == fixtureGrammar && inner == "case" && sinceOpen == 2 && last.Type == tokString && found.Type == tokString:
		// After a case's request line, which is no list: a header line
		// starts with the header's name.
		e.Msg = fmt.Sprintf("expected %s or \"}\", found %s", g.nouns[inner], what)
	case (found.Type == tokString || found.Type == tokIdent && !g.isKeyword(found.Value)) &&
		last.Type == tokString && (expect == `"}"` || expect == ""):
		e.Msg = fmt.Sprintf("expected \",\" between list values, found %s", what)
	case expect == `"}"` || expect == "":
		// A statement was expected: the block says which.
		want, ok := g.blocks[inner]
		if !ok {
			want = g.top
		}
		if found.EOF() && len(open) > 0 {
			e.Msg = fmt.Sprintf("expected \"}\" to close the %s block opened at %d:%d, found end of file",
				inner, innerPos.Line, innerPos.Column)
			break
		}
		noun := g.nouns[inner]
		if noun == "" {
			noun = "declaration"
			if found.Type == tokIdent && found.Value == "import" {
				e.Msg = "expected declaration, found \"import\"; imports come before every other declaration"
				break
			}
			e.Msg = fmt.Sprintf("expected declaration (%s), found %s", strings.Join(want, ", "), what)
		} else {
			e.Msg = fmt.Sprintf("expected %s or \"}\", found %s", noun, what)
		}
		if found.Type == tokIdent {
			if s := Nearest(found.Value, want); s != "" {
				e.Msg += fmt.Sprintf("; did you mean %q?", s)
			} else if noun != "declaration" {
				e.Msg += fmt.Sprintf(" (a %s starts with %s)", strings.SplitN(noun, ",", 2)[0], orList(want))
			}
		}
	case g == fixtureGrammar && inner == "case" && prev.Type == tokPunct && prev.Value == "{" &&
		last.Type == tokIdent && last.Value == "expect":
		e.Pos, e.End = fromLexer(last.Pos), tokenEnd(last)
		e.Msg = `expected the request line (a method and a quoted path, as in GET "/items"), found "expect"`
	case prev.Type == tokIdent && g.valueKeywords[prev.Value] != nil && last.Type == tokIdent &&
		Nearest(last.Value, g.valueKeywords[prev.Value]) != "" && Nearest(last.Value, g.valueKeywords[prev.Value]) != last.Value:
		// A misspelt word after a keyword that takes one of a few words,
		// read as something else: point at the word.
		e.Pos, e.End = fromLexer(last.Pos), tokenEnd(last)
		e.Msg = fmt.Sprintf("unknown %s %q; did you mean %q?", prev.Value, last.Value, Nearest(last.Value, g.valueKeywords[prev.Value]))
	default:
		e.Msg = fmt.Sprintf("expected %s, found %s", expectation(expect, last, g), what)
		if expect == "Duration" && found.Type == tokInt {
			e.Msg += fmt.Sprintf("; durations carry a unit, as in %ss", found.Value)
		}
	}
	return e
}

// isStatementStart reports whether word, coming after the token last, is the
// keyword that opens a statement with a block.
func (g *grammar) isStatementStart(last lexer.Token, word string) bool {
	// After a comma or "=" the word is a value, not a keyword.
	return slices.Contains(g.openers, word) &&
		!(last.Type == tokPunct && (last.Value == "," || last.Value == "=" || last.Value == "."))
}

// expectation puts into words the first thing of the EBNF sequence that
// participle expected.
func expectation(ebnf string, last lexer.Token, g *grammar) string {
	if strings.HasPrefix(ebnf, "(String") {
		return "header value (a quoted string, or origin)"
	}
	if strings.HasPrefix(ebnf, `"`) {
		if i := strings.IndexByte(ebnf[1:], '"'); i >= 0 {
			ebnf = ebnf[:i+2]
		}
	} else if i := strings.IndexAny(ebnf, " ("); i > 0 {
		ebnf = ebnf[:i]
	}
	switch ebnf {
	case "<ident>", "Ident":
		if last.Type == tokPunct && (last.Value == "," || last.Value == "=") ||
			last.Type == tokIdent && slices.Contains(g.listOpeners, last.Value) {
			return "value (a quoted string, any, null or a set name)"
		}
		return "name"
	case "String", "<string>":
		return "quoted string"
	case "Int", "<int>":
		return "integer"
	case "Duration", "<duration>":
		return "duration (such as 90s, 10m or 2h)"
	case "Value":
		return "value (a quoted string, any, null or a set name)"
	}
	return ebnf // a punctuation mark, quoted
}

// isKeyword reports whether word is, or is close to, a keyword that starts a
// statement anywhere.
func (g *grammar) isKeyword(word string) bool {
	for _, list := range g.keywords() {
		if Nearest(word, list) != "" {
			return true
		}
	}
	return false
}

// describe names a token the way an error message should show it.
func describe(t lexer.Token) string {
	switch t.Type {
	case lexer.EOF:
		return "end of file"
	case tokString:
		v := t.Value
		if utf8.RuneCountInString(v) > 40 {
			v = string([]rune(v)[:40]) + "..."
		}
		return "string " + strconv.Quote(v)
	case tokInt:
		return "number " + t.Value
	case tokDuration:
		return "duration " + t.Value
	}
	return strconv.Quote(t.Value)
}

func tokenEnd(t lexer.Token) Position {
	if t.EOF() {
		return fromLexer(t.Pos)
	}
	end := fromLexer(t.Pos)
	n := len(t.Value)
	if t.Type == tokString {
		n += 2 // the quotes
	}
	end.Offset += n
	end.Column += utf8.RuneCountInString(t.Value)
	if t.Type == tokString {
		end.Column += 2
	}
	return end
}

func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// Nearest returns the candidate closest to word, when it is close enough to
// be what was meant: the same letters in another case, or at most two edits
// away (one for short words); otherwise "". Messages use it to ask "did you
// mean ...?".
func Nearest(word string, candidates []string) string {
	best, bestDist := "", 3
	if len(word) <= 4 {
		bestDist = 2
	}
	for _, c := range candidates {
		if strings.EqualFold(word, c) {
			return c
		}
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		diag := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			diag, row[j] = row[j], min(row[j]+1, row[j-1]+1, diag+cost)
		}
	}
	return row[len(b)]
}
