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
// and Korean alone), or is Cyrillic letters that each have a Latin twin,
// so that it reads as a Latin word: "аррӏе" for "apple". Either can be
// registered by anyone to pass for the name it imitates.
func lookalike(host string) (label, why string) {
	if !strings.Contains(host, "xn--") {
		return "", "" // ASCII all through: nothing to read otherwise
	}
	labels := strings.Split(host, ".")
	// Under a Cyrillic top-level domain (.рф, .бел) a Cyrillic name is
	// what one expects to read, and browsers show it as written.
	cyrillicTLD := false
	if tld, err := idna.Punycode.ToUnicode(labels[len(labels)-1]); err == nil {
		cyrillicTLD = slices.Equal(scriptsOf(tld), []string{"Cyrillic"})
	}
	for _, l := range labels {
		if !strings.HasPrefix(l, "xn--") {
			continue
		}
		u, err := idna.Punycode.ToUnicode(l)
		if err != nil {
			continue // the compiler has checked it; nothing to read
		}
		if scripts := scriptsOf(u); mixes(scripts) {
			return u, "whose letters mix " + strings.Join(scripts, " and ")
		}
		if twin, ok := latinTwin(u); ok && !cyrillicTLD {
			return u, `Cyrillic letters that each look like a Latin one, read as "` + twin + `"`
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

// cyrillicTwins maps the Cyrillic letters that look like a Latin letter,
// in the fonts of address bars and editors, to that letter.
var cyrillicTwins = map[rune]rune{
	'а': 'a', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'һ': 'h', 'і': 'i', 'ј': 'j', 'ӏ': 'l', 'о': 'o',
	'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'ԝ': 'w', 'х': 'x', 'у': 'y',
}

// latinTwin returns the Latin word s reads as, when every letter of s has
// a Latin twin; digits and hyphens stand for themselves.
func latinTwin(s string) (string, bool) {
	var b strings.Builder
	letters := 0
	for _, r := range s {
		if t, ok := cyrillicTwins[r]; ok {
			b.WriteRune(t)
			letters++
			continue
		}
		if r == '-' || '0' <= r && r <= '9' {
			b.WriteRune(r)
			continue
		}
		return "", false
	}
	return b.String(), letters > 0
}
