package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"

	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/probe"
)

const probeUsage = `usage: corsfmt probe [flags] URL

Probe sends crafted cross-origin requests to the service at URL, and to
each path of -paths, and reports the CORS misconfigurations the answers
show as the lint does (URL: severity: message (CODE)), with the requests
and answers that prove them, what a browser does with them, and the
fix. With -policy it also sends a witness request for every decision
region of the policy and reports each answer that differs from the
engine's. Requests go one at a time, within -budget and -rate, with
no body, and only GET, HEAD and OPTIONS unless -methods says more; no
redirect is followed. Exit status is 1 when an error is found or an
answer drifts from the policy, 2 on a usage error, a policy that does not
compile, a plan over the budget or a service that does not answer, 0
otherwise.

Flags:
`

// runProbe is the probe subcommand.
func runProbe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt probe", probeUsage, stderr)
	var cfg probe.Config
	var paths, methods listFlag
	fset.StringVar(&cfg.Site, "site", "", "the `origin` the crafted origins are derived from: one the service trusts (default the URL's origin)")
	fset.Var(&paths, "paths", "more `paths` to probe, comma-separated or the flag repeated")
	policyFile := fset.String("policy", "", "the policy `FILE.cors` the service should follow: check every decision region for drift")
	policyName := fset.String("policy-name", "", "the policy of the file, when it has several")
	profile := fset.String("profile", "", "the profile to compile the policy for, such as dev")
	asJSON := fset.Bool("json", false, "print the report as JSON")
	asSARIF := fset.Bool("sarif", false, "print the report as SARIF 2.1.0, for code-scanning uploads")
	fset.IntVar(&cfg.Budget, "budget", probe.DefaultBudget, "the most requests to send; a probe that needs more sends none")
	fset.Float64Var(&cfg.Rate, "rate", probe.DefaultRate, "requests per second at most")
	fset.DurationVar(&cfg.Timeout, "timeout", probe.DefaultTimeout, "for each request, connection and answer included")
	fset.Var(&methods, "methods", "`methods` besides GET and HEAD that actual requests may use, comma-separated")
	root := rootFlag(fset)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	if fset.NArg() != 1 || *asJSON && *asSARIF {
		fset.Usage()
		return 2
	}
	if cfg.Budget < 1 || !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 1) || cfg.Timeout <= 0 {
		fmt.Fprintln(stderr, "corsfmt probe: -budget, -rate and -timeout must be positive (and -rate a finite number)")
		return 2
	}
	cfg.URL, cfg.Paths, cfg.Methods = fset.Arg(0), paths, methods
	if *policyFile != "" {
		tab, err := loadPolicy(*policyFile, *policyName, *profile, *root)
		if err != nil {
			lang.PrintErrors(stderr, err)
			return 2
		}
		cfg.Policy, cfg.PolicyFile = tab, *policyFile
	} else if *policyName != "" || *profile != "" {
		fmt.Fprintln(stderr, "corsfmt probe: -policy-name and -profile need -policy")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := probe.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "corsfmt probe:", err)
		return 2
	}
	switch {
	case *asJSON:
		err = rep.WriteJSON(stdout)
	case *asSARIF:
		err = rep.WriteSARIF(stdout)
	default:
		err = rep.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "corsfmt probe: writing the report:", err)
		return 2
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

// listFlag is a flag of comma-separated values that may be repeated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}
