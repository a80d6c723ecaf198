package lint

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// lookalike returns the first label of host, an ASCII host as the compiler
// keeps it, that reads as another name: the label as written, decoded, and
// why; or "", "". Such a label mixes Latin with another script, which
// browsers show only in its xn-- form (the "highly restrictive" level of
// Unicode's UTS #39 lets Latin mix with the scripts of Japanese, Chinese
// and Korean alone), or each of its letters is ASCII or the twin of an
// ASCII letter, so that it reads as an ASCII word: Cyrillic "аррӏе" for
// "apple", Greek "αρι" for "api", Latin "gıthub" (a dotless ı) for
// "github". Either can be registered by anyone to pass for the name it
// imitates.
func lookalike(host string) (label, why string) {
	if !strings.Contains(host, "xn--") {
		return "", "" // ASCII all through: nothing to read otherwise
	}
	labels := strings.Split(host, ".")
	// Under a Cyrillic top-level domain (.рф, .бел) a Cyrillic name is
	// what one expects to read, and browsers show it as written; so is a
	// Greek one under .ελ.
	var tldScripts []string
	if tld, err := idna.Punycode.ToUnicode(labels[len(labels)-1]); err == nil {
		tldScripts = scriptsOf(tld)
	}
	for _, l := range labels {
		if !strings.HasPrefix(l, "xn--") {
			continue
		}
		u, err := idna.Punycode.ToUnicode(l)
		if err != nil {
			continue // the compiler has checked it; nothing to read
		}
		scripts := scriptsOf(u)
		if mixes(scripts) {
			return u, "whose letters mix " + strings.Join(scripts, " and ")
		}
		// One script, and not the top-level domain's, unless it is Latin:
		// .com is Latin too, and "gıthub" no less a look-alike under it.
		if len(scripts) != 1 || scripts[0] != "Latin" && slices.Equal(tldScripts, scripts) {
			continue
		}
		if word, ok := asciiTwin(u, twins[scripts[0]]); ok {
			if scripts[0] == "Latin" {
				return u, `whose letters each are or look like an ASCII one, read as "` + word + `"`
			}
			return u, scripts[0] + ` letters that each look like a Latin one, read as "` + word + `"`
		}
	}
	return "", ""
}

type script struct {
	name  string
	table *unicode.RangeTable
}

// scripts are the scripts lookalike tells apart, by name, in the order a
// message lists them.
var scripts = []script{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek},
	{"Armenian", unicode.Armenian}, {"Georgian", unicode.Georgian}, {"Cherokee", unicode.Cherokee},
	{"Han", unicode.Han}, {"Hiragana", unicode.Hiragana}, {"Katakana", unicode.Katakana},
	{"Hangul", unicode.Hangul}, {"Bopomofo", unicode.Bopomofo},
}

// scriptsOf names the scripts of s's letters, in the order of scripts; a
// letter of a script not there counts as "other". Letters that every
// script uses (Common: the Japanese long-vowel mark ー, 〆; Inherited:
// combining marks) belong to none.
func scriptsOf(s string) []string {
	seen := make([]bool, len(scripts)+1)
	for _, r := range s {
		if !unicode.IsLetter(r) || unicode.In(r, unicode.Common, unicode.Inherited) {
			continue
		}
		i := slices.IndexFunc(scripts, func(sc script) bool { return unicode.Is(sc.table, r) })
		if i < 0 {
			i = len(scripts)
		}
		seen[i] = true
	}
	var found []string
	for i, ok := range seen {
		switch {
		case !ok:
		case i == len(scripts):
			found = append(found, "other")
		default:
			found = append(found, scripts[i].name)
		}
	}
	return found
}

// mixes reports whether the scripts of one label are more than one, beyond
// the mixes of Japanese (Han, Hiragana, Katakana), Chinese (Han, Bopomofo)
// and Korean (Han, Hangul), each with Latin.
func mixes(found []string) bool {
	if len(found) < 2 {
		return false
	}
	for _, allowed := range [][]string{
		{"Latin", "Han", "Hiragana", "Katakana"},
		{"Latin", "Han", "Bopomofo"},
		{"Latin", "Han", "Hangul"},
	} {
		if !slices.ContainsFunc(found, func(s string) bool { return !slices.Contains(allowed, s) }) {
			return false // a mix a language writes: not a look-alike
		}
	}
	return true
}

// twins maps, by script, the letters that look like an ASCII letter in
// the fonts of address bars and editors to that letter. A letter with a
// mark that shows (ü, é) is not one: it reads as itself.
var twins = map[string]map[rune]rune{
	"Cyrillic": {
		'а': 'a', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'һ': 'h', 'і': 'i', 'ј': 'j', 'ӏ': 'l', 'о': 'o',
		'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'ԝ': 'w', 'х': 'x', 'у': 'y',
	},
	"Greek": {
		'α': 'a', 'ϲ': 'c', 'ι': 'i', 'ϳ': 'j', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
		'υ': 'u', 'χ': 'x',
	},
	"Latin": {'ɑ': 'a', 'ɡ': 'g', 'ı': 'i', 'ɩ': 'i', 'ȷ': 'j'},
}

// asciiTwin returns the ASCII word s reads as, when every letter of s is
// an ASCII letter or has a twin, and one has; digits and hyphens stand
// for themselves.
func asciiTwin(s string, twins map[rune]rune) (string, bool) {
	var b strings.Builder
	used := false
	for _, r := range s {
		if t, ok := twins[r]; ok {
			b.WriteRune(t)
			used = true
			continue
		}
		if r == '-' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' {
			b.WriteRune(r)
			continue
		}
		return "", false
	}
	return b.String(), used
}
