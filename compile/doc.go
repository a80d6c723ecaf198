// Package compile turns a parsed .cors file into decision tables.
//
// It resolves names, imports and the chosen profile; validates and
// normalises every origin pattern, method, header name and path pattern;
// reports every error at once, sorted, each with its position and a stable
// code; and lowers each policy into a Table that answers, for an origin, a
// path and a method, which rules apply and what they grant, with every
// response header value computed in advance. Package eval reads tables to
// answer requests.
package compile
