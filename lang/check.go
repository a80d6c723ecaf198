package lang

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// LanguageVersion is the language version this package reads and writes.
const LanguageVersion = 1

// check reports what the grammar accepts but the language does not: a
// version other than 1, and duration literals that are not durations. These
// are still questions of spelling, not of meaning, so they belong here.
func check(f *File) ErrorList {
	var errs ErrorList
	if v := f.Version.Number; v.Text != strconv.Itoa(LanguageVersion) {
		addVersionError(&errs, v.Pos, v.EndPos, "language", v.Text, LanguageVersion)
	}
	for _, d := range f.Decls {
		if b, ok := d.(*Bundle); ok {
			checkBlock(b.Block, &errs)
		}
		p, ok := d.(*Policy)
		if !ok {
			continue
		}
		for _, item := range p.Items {
			switch item := item.(type) {
			case *Rule:
				checkRule(item, &errs)
			case *Profile:
				for _, r := range item.Rules {
					checkRule(r, &errs)
				}
			}
		}
	}
	return errs
}

// addVersionError reports the version text of a file of the kind given,
// which is not the version this package reads.
func addVersionError(errs *ErrorList, pos, end Position, kind, text string, want int) {
	errs.Add(pos, end, CodeVersion, "unsupported %s version %s; this parser reads version %d", kind, text, want)
}

func checkRule(r *Rule, errs *ErrorList) {
	if r.Block != nil {
		checkBlock(r.Block, errs)
	}
}

func checkBlock(b *Block, errs *ErrorList) {
	for _, c := range b.Clauses {
		if m, ok := c.(*MaxAgeClause); ok {
			if _, err := ParseDuration(m.Duration.Text); err != nil {
				errs.Add(m.Duration.Pos, m.Duration.EndPos, CodeBadDuration, "%v", err)
			}
		}
	}
}

// durationError describes a malformed duration literal.
type durationError struct {
	text, why string
}

func (e *durationError) Error() string {
	return "invalid duration " + strconv.Quote(e.text) + ": " + e.why
}

// ParseDuration reads a duration literal: one or more groups of digits each
// followed by a unit, h, m or s, largest unit first, each unit at most once,
// with an optional leading minus sign. "90s", "10m", "2h" and "1h30m" are
// durations; "10ms", "1.5h", "30m1h" and "600" are not.
func ParseDuration(text string) (time.Duration, error) {
	s := text
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if s == "" {
		return 0, &durationError{text, "empty"}
	}
	const units = "hms"
	var total time.Duration
	next := 0 // index in units of the smallest unit still allowed
	for s != "" {
		i := 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isDigit(s[j]) {
			j++
		}
		digits, unit := s[:i], s[i:j]
		switch {
		case digits == "":
			return 0, &durationError{text, "expected digits before " + strconv.Quote(unit)}
		case unit == "":
			return 0, &durationError{text, "missing unit after " + digits + "; units are h, m and s"}
		}
		k := strings.Index(units, unit)
		if len(unit) != 1 || k < 0 {
			return 0, &durationError{text, "unknown unit " + strconv.Quote(unit) + "; units are h, m and s"}
		}
		if k < next {
			return 0, &durationError{text, "units must go from largest to smallest, each at most once"}
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		scale := [...]time.Duration{time.Hour, time.Minute, time.Second}[k]
		if err != nil || n > int64(math.MaxInt64/scale) || total > math.MaxInt64-time.Duration(n)*scale {
			return 0, &durationError{text, "too large"}
		}
		total += time.Duration(n) * scale
		next = k + 1
		s = s[j:]
	}
	if neg {
		total = -total
	}
	return total, nil
}
