package probe

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/corspolicy/cors/lint"
)

// The subset of SARIF 2.1.0 the probe writes: one run of one tool whose
// rules are the codes, and one result per finding or drift.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool      `json:"tool"`
		Results    []sarifResult  `json:"results"`
		Properties map[string]any `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string          `json:"id"`
		Name                 string          `json:"name"`
		ShortDescription     sarifText       `json:"shortDescription"`
		FullDescription      sarifText       `json:"fullDescription"`
		Help                 sarifText       `json:"help"`
		DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
		Properties           map[string]any  `json:"properties,omitempty"`
	}
	sarifRuleConfig struct {
		Level string `json:"level"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifText         `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		WebRequest          *sarifWebRequest  `json:"webRequest,omitempty"`
		WebResponse         *sarifWebResponse `json:"webResponse,omitempty"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           *sarifRegion          `json:"region,omitempty"`
	}
	sarifArtifactLocation struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	sarifWebRequest struct {
		Protocol string            `json:"protocol"`
		Version  string            `json:"version"`
		Target   string            `json:"target"`
		Method   string            `json:"method"`
		Headers  map[string]string `json:"headers"`
	}
	sarifWebResponse struct {
		Protocol           string            `json:"protocol,omitempty"`
		Version            string            `json:"version,omitempty"`
		StatusCode         int               `json:"statusCode,omitempty"`
		ReasonPhrase       string            `json:"reasonPhrase,omitempty"`
		Headers            map[string]string `json:"headers,omitempty"`
		NoResponseReceived bool              `json:"noResponseReceived,omitempty"`
	}
)

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s lint.Severity) string {
	return [...]string{"note", "warning", "error"}[s]
}

// WriteSARIF prints the report as a SARIF 2.1.0 log, for code-scanning
// uploads. Every code is a rule. A finding or drift is a result with the
// request and the answer as webRequest and webResponse; it is located in
// the policy file when there is one (a drift at the rule that decides it,
// a finding at the policy), and otherwise at a path made of the service's
// host and the request path ("api.example.com/v1/items", a port written
// "_8443"), since code scanning accepts only paths of the repository; the
// URL itself is in the result's properties.
func (r *Report) WriteSARIF(w io.Writer) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "corsfmt probe", Version: "1", InformationURI: "https://github.com/corspolicy/cors"}},
		Properties: map[string]any{"target": r.Target, "site": r.Site.Origin(), "requests": r.Requests,
			"elapsedSeconds": r.Elapsed.Seconds()},
		Results: []sarifResult{},
	}
	index := map[string]int{}
	for i, c := range Codes {
		index[c.ID] = i
		help := "Fix: " + c.Fix + "."
		if c.Scanners != "" {
			help += " Corresponds to: " + c.Scanners + "."
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: c.ID, Name: pascalCase(c.Title), ShortDescription: sarifText{c.Title}, FullDescription: sarifText{c.Title + " (see SPEC.md, " + c.ID + ")"},
			Help: sarifText{help}, DefaultConfiguration: sarifRuleConfig{Level: "warning"},
			Properties: map[string]any{"tags": []string{"security", "cors"}},
		})
	}
	for _, f := range r.Findings {
		res := sarifResult{RuleID: f.Code, RuleIndex: index[f.Code], Level: sarifLevel(f.Severity),
			Message:             sarifText{f.Message + ". " + f.Browser},
			Locations:           []sarifLocation{r.location(f.URL, nil)},
			PartialFingerprints: fingerprint(f.Code, pathOf(f.URL), f.Message),
			Properties:          map[string]any{"url": f.URL, "fix": f.Fix},
		}
		if len(f.Evidence) > 0 {
			res.WebRequest, res.WebResponse = webExchange(f.URL, f.Evidence[0])
		}
		if f.Browser == "" {
			res.Message.Text = f.Message
		}
		run.Results = append(run.Results, res)
	}
	for _, d := range r.Drift {
		var at *Position
		if len(d.Rules) > 0 {
			at = &Position{File: d.Rules[0].Pos.Filename, Line: d.Rules[0].Pos.Line, Column: d.Rules[0].Pos.Column}
		}
		res := sarifResult{RuleID: "P201", RuleIndex: index["P201"], Level: "error",
			Message: sarifText{"The service answers otherwise than the policy in region " + d.Region +
				" (the policy: " + d.Verdict + "); differs: " + strings.Join(d.Differs, ", ")},
			Locations:           []sarifLocation{r.location(d.URL, at)},
			PartialFingerprints: fingerprint("P201", pathOf(d.URL), d.Region),
			Properties:          map[string]any{"url": d.URL, "region": d.Region, "differs": d.Differs, "policy": toJSONAnswer(d.Policy)},
		}
		res.WebRequest, res.WebResponse = webExchange(d.URL, d.Probe)
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

// Position is a place in a policy file.
type Position struct {
	File         string
	Line, Column int
}

// location returns where a result is shown: at, or the policy, or a path
// made from the URL.
func (r *Report) location(rawURL string, at *Position) sarifLocation {
	if r.PolicyFile != "" {
		if at == nil || at.File != r.PolicyFile {
			at = &Position{File: r.PolicyFile, Line: r.policyLine}
		}
		loc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: filepath.ToSlash(at.File)}}}
		if at.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: at.Line, StartColumn: at.Column}
		}
		return loc
	}
	uri := "service"
	if u, err := url.Parse(rawURL); err == nil {
		uri = strings.ReplaceAll(u.Host, ":", "_") + (&url.URL{Path: u.Path}).EscapedPath()
	}
	return sarifLocation{PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: uri},
		Region: &sarifRegion{StartLine: 1}}}
}

// pascalCase returns a rule's title as one identifier: "any origin is
// trusted" becomes "AnyOriginIsTrusted".
func pascalCase(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// pathOf returns the path of a URL.
func pathOf(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Path
	}
	return rawURL
}

// fingerprint returns a result's partial fingerprint: a hash of what
// identifies it across runs (the code, the path, the message or region,
// not the host, so that a service moved to another port or host keeps its
// alerts).
func fingerprint(parts ...string) map[string]string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return map[string]string{"corsfmtProbe/v1": hex.EncodeToString(sum[:16])}
}

// webExchange returns a probe's request and answer as SARIF objects.
func webExchange(rawURL string, p *Probe) (*sarifWebRequest, *sarifWebResponse) {
	target := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		u.Path = p.Path
		target = u.String()
	}
	req := &sarifWebRequest{Protocol: "HTTP", Version: "1.1", Target: target, Method: p.Method, Headers: flatHeader(p.header())}
	if p.Answer == nil {
		return req, &sarifWebResponse{NoResponseReceived: true}
	}
	return req, &sarifWebResponse{Protocol: "HTTP", Version: "1.1", StatusCode: p.Answer.Status,
		ReasonPhrase: http.StatusText(p.Answer.Status), Headers: flatHeader(p.Answer.Header)}
}

// flatHeader joins each header's lines with ", ", clipped.
func flatHeader(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = clip(strings.Join(v, ", "))
	}
	return out
}
