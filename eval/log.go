package eval

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"unicode/utf8"
)

// LogDecisions makes the middleware log the decisions of CORS requests
// (requests without an Origin are not CORS and are not logged) to logger,
// one in every `every` of them (1: all), at level Info for allowed requests
// and Warn for denied ones, with the origin, method, path, kind, decision,
// failed check and the positions of the deciding rules. Every field the
// client wrote is clipped to MaxLoggedField bytes, and of several Origin
// lines only the first is logged, beside their count. A middleware made
// without this option spends nothing on logging.
func LogDecisions(logger *slog.Logger, every int) Option {
	return func(m *Middleware) {
		if logger != nil {
			m.log = &decisionLog{logger: logger, every: uint64(max(every, 1))}
		}
	}
}

type decisionLog struct {
	logger *slog.Logger
	every  uint64
	seen   atomic.Uint64
}

func (l *decisionLog) record(r *http.Request, req *Request, d *Decision) {
	if d.Kind == NotCORS || l.seen.Add(1)%l.every != 0 {
		return
	}
	level, msg := slog.LevelInfo, "cors allowed"
	if !d.Allowed {
		level, msg = slog.LevelWarn, "cors denied"
	}
	if !l.logger.Enabled(r.Context(), level) {
		return
	}
	rules := make([]string, len(d.Rules))
	for i, rule := range d.Rules {
		rules[i] = rule.Effect.String() + " " + rule.Pos.String()
	}
	// Several lines of one header are logged as the first and their count:
	// joined with commas they would read as one value.
	attrs := []slog.Attr{
		slog.String("origin", clip(first(req.Origin))),
		slog.Int("origin_count", len(req.Origin)),
		slog.String("method", clip(req.Method)),
		slog.String("path", clip(req.Path)),
		slog.String("kind", d.Kind.String()),
		slog.Any("rules", rules),
	}
	if req.RequestMethod != nil {
		attrs = append(attrs, slog.String("request_method", clip(first(req.RequestMethod))),
			slog.Int("request_method_count", len(req.RequestMethod)))
	}
	if !d.Allowed {
		// The detail may be the method or header name at fault, as the
		// client wrote it.
		attrs = append(attrs, slog.String("failed", d.Failed.String()), slog.String("detail", clip(d.Detail)))
	}
	l.logger.LogAttrs(r.Context(), level, msg, attrs...)
}

// MaxLoggedField is the most bytes of a client-supplied value (origin,
// method, path, requested method, detail) a decision log holds; a longer
// value is cut there, at a character boundary, and ends in "...".
const MaxLoggedField = 256

// clip shortens what a client sent to a length fit for a log line, without
// splitting a UTF-8 sequence.
func clip(s string) string {
	if len(s) <= MaxLoggedField {
		return s
	}
	n := MaxLoggedField
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// first returns the first of a header's lines, or "" when it has none.
func first(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}
