package diff

import (
	"fmt"
	"strings"

	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/partition"
)

// fixtureCase writes a request as a fixture case whose expectations are the
// new answer: the verdict, the failed check of a denial, a preflight's
// status, and each response header a client reads differently in the two
// answers. The old answer is in comments.
func fixtureCase(req *eval.Request, old, new *eval.Decision) string {
	oa, na := partition.AnswerOf(old), partition.AnswerOf(new)
	comments := []string{"the old policy: " + partition.Verdict(old)}
	var differ []string
	oh := old.Header()
	for _, name := range partition.ResponseHeaders {
		if same[name](oa, na) {
			continue
		}
		differ = append(differ, name)
		switch v := strings.Join(oh.Values(name), ", "); {
		case old.Allowed != new.Allowed:
			// The verdict says it.
		case v != "":
			comments = append(comments, fmt.Sprintf("the old policy: %s %q", name, v))
		default:
			comments = append(comments, "the old policy: no "+name)
		}
	}
	return partition.Case(req, new, differ, comments)
}

// same says, for each response header, whether a client reads it alike in
// two answers.
var same = map[string]func(a, b partition.Answer) bool{
	"Access-Control-Allow-Origin":          func(a, b partition.Answer) bool { return a.AllowOrigin == b.AllowOrigin },
	"Access-Control-Allow-Credentials":     func(a, b partition.Answer) bool { return a.AllowCredentials == b.AllowCredentials },
	"Access-Control-Allow-Methods":         func(a, b partition.Answer) bool { return equal(a.AllowMethods, b.AllowMethods) },
	"Access-Control-Allow-Headers":         func(a, b partition.Answer) bool { return equal(a.AllowHeaders, b.AllowHeaders) },
	"Access-Control-Expose-Headers":        func(a, b partition.Answer) bool { return equal(a.ExposeHeaders, b.ExposeHeaders) },
	"Access-Control-Max-Age":               func(a, b partition.Answer) bool { return a.MaxAge == b.MaxAge },
	"Access-Control-Allow-Private-Network": func(a, b partition.Answer) bool { return a.AllowPrivateNetwork == b.AllowPrivateNetwork },
	"Vary":                                 func(a, b partition.Answer) bool { return a.Vary == b.Vary },
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }
