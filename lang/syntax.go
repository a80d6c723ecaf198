package lang

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Keywords that may start a statement, by where the statement stands.
var (
	topKeywords     = []string{"import", "origins", "methods", "headers", "policy"}
	policyKeywords  = []string{"allow", "deny", "profile"}
	profileKeywords = []string{"allow", "deny"}
	clauseKeywords  = []string{"paths", "methods", "headers", "expose", "credentials",
		"max-age", "private-network", "preflight-status"}
)

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
func syntaxError(err error, tokens []lexer.Token) *Error {
	perr, ok := err.(participle.Error)
	if !ok {
		return &Error{Code: CodeSyntax, Msg: err.Error()}
	}
	pos := Position(perr.Position())
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
	var found lexer.Token
	var open []block
	var last lexer.Token // last significant token, to find what opened a brace
	var stmt string      // keyword that started the current statement
	for _, t := range tokens {
		if t.Type == tokWhitespace || t.Type == tokComment {
			continue
		}
		if t.Pos.Offset >= pos.Offset {
			found = t
			break
		}
		switch {
		case t.Type == tokPunct && t.Value == "{":
			open = append(open, block{stmt, Position(t.Pos)})
			stmt = ""
		case t.Type == tokPunct && t.Value == "}":
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
			stmt = ""
		case t.Type == tokIdent && isStatementStart(last, t.Value):
			stmt = t.Value
		}
		last = t
	}

	inner := "file"
	var innerPos Position
	if n := len(open); n > 0 {
		inner, innerPos = open[n-1].keyword, open[n-1].pos
	}

	e := &Error{Pos: pos, End: tokenEnd(found), Code: CodeSyntax}
	what := describe(found)
	switch {
	case last.Type == 0 && !(found.Type == tokIdent && found.Value == "cors"):
		e.Msg = fmt.Sprintf("expected the version line \"cors %d\", found %s", LanguageVersion, what)
	case last.Type == tokIdent && (last.Value == "credentials" || last.Value == "private-network") &&
		inner != "file" && (found.Type != tokIdent || Nearest(found.Value, clauseKeywords) == ""):
		e.Msg = fmt.Sprintf("expected clause or \"}\", found %s; %s takes no value", what, last.Value)
	case (found.Type == tokString || found.Type == tokIdent && !isKeyword(found.Value)) &&
		(last.Type == tokString || last.Type == tokIdent && !isListKeyword(last.Value)) &&
		(expect == `"}"` || expect == ""):
		e.Msg = fmt.Sprintf("expected \",\" between list values, found %s", what)
	case expect == `"}"` || expect == "":
		// A statement was expected: the block says which.
		var want []string
		switch inner {
		case "policy":
			want = policyKeywords
		case "profile":
			want = profileKeywords
		case "allow", "deny":
			want = clauseKeywords
		default:
			want = topKeywords
		}
		if found.EOF() && len(open) > 0 {
			e.Msg = fmt.Sprintf("expected \"}\" to close the %s block opened at %d:%d, found end of file",
				inner, innerPos.Line, innerPos.Column)
			break
		}
		noun := map[string]string{
			"policy": "rule, profile", "profile": "rule", "allow": "clause", "deny": "clause",
		}[inner]
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
	default:
		e.Msg = fmt.Sprintf("expected %s, found %s", expectation(expect, last), what)
		if expect == "Duration" && found.Type == tokInt {
			e.Msg += fmt.Sprintf("; durations carry a unit, as in %ss", found.Value)
		}
	}
	return e
}

// isStatementStart reports whether word, coming after the token last, is the
// keyword that opens a statement with a block.
func isStatementStart(last lexer.Token, word string) bool {
	switch word {
	case "policy", "profile", "allow", "deny":
		// After a comma or "=" the word is a value, not a keyword.
		return !(last.Type == tokPunct && (last.Value == "," || last.Value == "=" || last.Value == "."))
	}
	return false
}

// expectation puts into words the first thing of the EBNF sequence that
// participle expected.
func expectation(ebnf string, last lexer.Token) string {
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
			last.Type == tokIdent && isListKeyword(last.Value) {
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
func isKeyword(word string) bool {
	for _, list := range [][]string{topKeywords, policyKeywords, clauseKeywords} {
		if Nearest(word, list) != "" {
			return true
		}
	}
	return false
}

func isListKeyword(word string) bool {
	switch word {
	case "allow", "deny", "paths", "methods", "headers", "expose":
		return true
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
		return Position(t.Pos)
	}
	end := Position(t.Pos)
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
