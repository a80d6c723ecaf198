package diff_test

import (
	"fmt"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/diff"
)

// Example compares a policy with an edit that widens its wildcard and adds
// credentials, and prints what the edit opens.
func Example() {
	policy := func(src string) *compile.Table {
		prog, err := compile.CompileSource("api.cors", []byte(src), compile.Options{})
		if err != nil {
			panic(err)
		}
		t, _ := prog.Policy("api")
		return t
	}
	old := policy(`cors 1
policy api {
    allow "https://app.example.com" {
        paths "/admin/**"
    }
}`)
	new := policy(`cors 1
policy api {
    allow "https://app.example.com", "https://*.preview.example.com" {
        paths "/admin/**"
        credentials
    }
}`)
	res, err := diff.Tables(old, new)
	if err != nil {
		panic(err)
	}
	for _, e := range res.Entries {
		fmt.Printf("%s: %s | %s | %s | %s: %s\n", e.Category, e.Origins, e.Paths, e.Methods, e.Requests, e.Changes[0])
	}
	// Output:
	// widened: https://app.example.com | /admin/** | GET, HEAD, POST | actual requests without credentials; preflights asking for no request headers, and not for private network access: Access-Control-Allow-Credentials: none → true
	// widened: https://app.example.com | /admin/** | GET, HEAD, POST | actual requests with credentials: denied → allowed with credentials
	// widened: https://*.preview.example.com (e.g. https://x.preview.example.com) | /admin/** | GET, HEAD, POST | actual requests; preflights asking for no request headers, and not for private network access: denied → allowed with credentials
}
