// Command service is a small API that answers CORS with a policy written in
// the .cors language: the policy is embedded in the binary with go:embed,
// reloaded from disk when -policy-file names a copy to edit, and every
// decision is logged through log/slog.
//
//	go run ./examples/service -demo              # start, send a few requests, print, stop
//	go run ./examples/service -addr 127.0.0.1:8080
//	go run ./examples/service -policy-file examples/service/api.cors -profile dev
package main

import (
	"context"
	"embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/watch"
)

//go:embed api.cors
var policies embed.FS

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	policyFile := flag.String("policy-file", "", "serve this policy file instead of the embedded one, and reload it when it changes")
	profile := flag.String("profile", "", "compile the policy for this profile, such as dev")
	demo := flag.Bool("demo", false, "listen on a free loopback port, send a few requests, print the answers and stop")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *policyFile, *profile, *demo, logger, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(addr, policyFile, profile string, demo bool, logger *slog.Logger, out io.Writer) error {
	opts := compile.Options{Profile: profile}
	var table *compile.Table
	var err error
	if policyFile != "" {
		table, err = watch.Load(policyFile, "api", opts)
	} else {
		var prog *compile.Program
		if prog, err = compile.LoadFS(policies, "api.cors", opts); err == nil {
			table, err = prog.Policy("api")
		}
	}
	if err != nil {
		return err
	}
	cors := eval.NewMiddleware(table, eval.LogDecisions(logger, 1), eval.DecisionInContext())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if policyFile != "" {
		go watch.New(cors, watch.Config{Path: policyFile, Policy: "api", Options: opts, Logger: logger}).Run(ctx)
	}
	if demo {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: cors.Wrap(routes()), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	if demo {
		return runDemo(out, "http://"+ln.Addr().String())
	}
	logger.Info("listening", slog.String("addr", ln.Addr().String()))
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// routes is the service itself: it knows nothing of CORS but may read the
// decision the middleware made.
func routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	mux.HandleFunc("/api/items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-1")
		if d := eval.FromContext(r.Context()); d != nil && !d.Allowed {
			// The browser will withhold this response; say why in it for
			// whoever reads it with curl.
			w.Header().Set("X-CORS-Denied", d.Failed.String())
		}
		json.NewEncoder(w).Encode([]string{"apples", "pears"})
	})
	return mux
}

// runDemo sends requests a browser would send and prints the answers.
func runDemo(out io.Writer, base string) error {
	requests := []struct {
		what, method, path string
		header             map[string]string
	}{
		{"the app's preflight for a JSON PUT", "OPTIONS", "/api/items",
			map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"}},
		{"the app reads the items with its cookie", "GET", "/api/items",
			map[string]string{"Origin": "https://app.example.com", "Cookie": "session=1"}},
		{"another site tries to read them", "GET", "/api/items", map[string]string{"Origin": "https://evil.example.net"}},
		{"any site reads the status", "GET", "/status", map[string]string{"Origin": "https://news.example.org"}},
	}
	for _, q := range requests {
		req, err := http.NewRequest(q.method, base+q.path, nil)
		if err != nil {
			return err
		}
		for k, v := range q.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		fmt.Fprintf(out, "# %s\n%s %s  Origin: %s\nHTTP %s\n", q.what, q.method, q.path, q.header["Origin"], resp.Status)
		var names []string
		for k := range resp.Header {
			if strings.HasPrefix(k, "Access-Control-") || k == "Vary" || k == "X-Cors-Denied" {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(out, "%s: %s\n", k, strings.Join(resp.Header.Values(k), ", "))
		}
		fmt.Fprintln(out)
	}
	return nil
}
