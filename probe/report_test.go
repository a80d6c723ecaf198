package probe_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"context"

	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/probe"
)

// runGolden probes h and writes the report in each format, the loopback
// port replaced by PORT so that the output is the same on every run.
func runGolden(t *testing.T, h http.Handler, cfg probe.Config) map[string][]byte {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	cfg.URL = srv.URL + cfg.URL
	cfg.Clock = newFakeClock()
	rep, err := probe.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	port := host[strings.LastIndexByte(host, ':')+1:]
	norm := strings.NewReplacer("127.0.0.1:"+port, "127.0.0.1:PORT", "127.0.0.1_"+port, "127.0.0.1_PORT")
	out := map[string][]byte{}
	for ext, write := range map[string]func(*bytes.Buffer) error{
		"txt":   func(b *bytes.Buffer) error { return rep.WriteText(b) },
		"json":  func(b *bytes.Buffer) error { return rep.WriteJSON(b) },
		"sarif": func(b *bytes.Buffer) error { return rep.WriteSARIF(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		out[ext] = []byte(norm.Replace(b.String()))
	}
	return out
}

// TestReportFormats compares the three outputs of two probes with golden
// files: a service that trusts null and omits Vary, probed without a
// policy; and the drift of TestDrift, with one.
func TestReportFormats(t *testing.T) {
	cases := map[string]func(t *testing.T) map[string][]byte{
		"null-no-vary": func(t *testing.T) map[string][]byte {
			return runGolden(t, naive{allow: func(o string) bool { return o == site || o == "null" }, credentials: true},
				probe.Config{URL: "/api/items", Site: site})
		},
		"drift": func(t *testing.T) map[string][]byte {
			served, given := compileSource(t, driftServed), compileSource(t, driftGiven)
			return runGolden(t, eval.NewMiddleware(served).Wrap(http.NotFoundHandler()),
				probe.Config{URL: "/api/x", Site: "https://app.example.com", Policy: given, PolicyFile: "api.cors"})
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			out := f(t)
			for ext, b := range out {
				goldentest.Compare(t, filepath.Join("testdata", "report", name+"."+ext), b)
			}
			checkSARIF(t, out["sarif"])
		})
	}
}

// checkSARIF checks what code scanning requires of a SARIF log: version
// 2.1.0, a driver with rules, and for every result a rule that exists at
// its index, a level, a message and a location with a relative path.
func checkSARIF(t *testing.T, b []byte) {
	t.Helper()
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name == "" {
		t.Fatalf("not a SARIF 2.1.0 log of one run: %s", b[:200])
	}
	run := log.Runs[0]
	if len(run.Results) == 0 {
		t.Fatal("no results")
	}
	for _, r := range run.Results {
		rules := run.Tool.Driver.Rules
		if r.RuleIndex < 0 || r.RuleIndex >= len(rules) || rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result of %s points at rule %d", r.RuleID, r.RuleIndex)
		}
		if r.Level != "error" && r.Level != "warning" && r.Level != "note" {
			t.Errorf("level %q", r.Level)
		}
		if r.Message.Text == "" || len(r.Locations) == 0 || len(r.PartialFingerprints) == 0 {
			t.Errorf("result of %s lacks a message, a location or a fingerprint", r.RuleID)
		}
		for _, l := range r.Locations {
			uri := l.PhysicalLocation.ArtifactLocation.URI
			if uri == "" || strings.Contains(uri, "://") || strings.HasPrefix(uri, "/") {
				t.Errorf("location %q is not a relative path", uri)
			}
		}
	}
}

// TestEveryCodeInSpec checks that SPEC.md has a section for every code the
// probe reports, and no section for a code it does not.
func TestEveryCodeInSpec(t *testing.T) {
	spec, err := os.ReadFile(filepath.Join("..", "SPEC.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := regexp.MustCompile(`(?m)^#### (P\d{3}) — `).FindAllStringSubmatch(string(spec), -1)
	var got []string
	for _, m := range documented {
		got = append(got, m[1])
	}
	var want []string
	for _, c := range probe.Codes {
		want = append(want, c.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("SPEC.md documents %q, the probe reports %q", got, want)
	}
}
