package main

import (
	"fmt"
	"io"

	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/query"
)

const queryUsage = `usage: corsfmt query [-policy NAME] [-profile P] [-root DIR] [-json] [-credentials] [-origin URL] [-path PATH] [-method M] [-header NAME] FILE.cors

Query answers who may do what under a policy, exactly, from its decision
table: every request the flags select that the policy allows, as origins,
paths, methods and kinds of request, each with a witness request written
as a fixture case. The flags narrow the question and combine:

  -credentials      actual requests that carry credentials (cookies)
  -origin URL       requests from this origin: what may it do, and where
  -path PATH        requests for this path, as sent
  -method M         requests with this method, or preflights announcing it
  -header NAME      preflights asking for this request header

With none, every request the policy allows. Exit status is 2 on a usage
error or when the policy does not compile, 0 otherwise.

Flags:
`

// runQuery is the query subcommand.
func runQuery(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt query", queryUsage, stderr)
	policy := fset.String("policy", "", "the policy to ask about; needed when the file has several")
	profile := fset.String("profile", "", "the profile to compile for, such as dev")
	asJSON := fset.Bool("json", false, "print the answer as JSON")
	var q query.Question
	fset.BoolVar(&q.Credentials, "credentials", false, "ask about actual requests with credentials")
	fset.StringVar(&q.Origin, "origin", "", "ask about requests from this origin")
	fset.StringVar(&q.Path, "path", "", "ask about requests for this path")
	fset.StringVar(&q.Method, "method", "", "ask about requests with this method")
	fset.StringVar(&q.Header, "header", "", "ask about preflights asking for this request header")
	root := rootFlag(fset)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return 2
	}
	if q.Credentials && q.Header != "" {
		fmt.Fprintln(stderr, "corsfmt query: -credentials asks about actual requests, -header about preflights: use one")
		return 2
	}
	tab, err := loadPolicy(fset.Arg(0), *policy, *profile, *root)
	if err != nil {
		lang.PrintErrors(stderr, err)
		return 2
	}
	res, err := query.Ask(tab, q)
	if err != nil {
		fmt.Fprintln(stderr, "corsfmt query:", err)
		return 2
	}
	write := res.WriteText
	if *asJSON {
		write = res.WriteJSON
	}
	if err := write(stdout); err != nil {
		fmt.Fprintln(stderr, "corsfmt query: writing standard output:", err)
		return 2
	}
	return 0
}
