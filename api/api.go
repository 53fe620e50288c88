// Package api holds rotor's HTTP contract, api/openapi.yaml, embedded so the
// service serves the spec it was built with (GET /openapi.yaml).
package api

import _ "embed"

//go:embed openapi.yaml
var spec []byte

// Spec returns the OpenAPI document (a copy: callers may not change the
// embedded one).
func Spec() []byte { return append([]byte(nil), spec...) }
