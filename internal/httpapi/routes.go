package httpapi

import "github.com/gin-gonic/gin"

// Route is one registered endpoint.
type Route struct {
	Method  string
	Path    string
	Handler gin.HandlerFunc
}

// routes lists every endpoint of the service; api/openapi.yaml describes the
// same set (a test keeps them in step).
func routes(d Deps) []Route {
	return []Route{
		{"POST", "/runbooks", handleCreateRunbook(d.Generator, d.Runbooks, d.Logger)},
		{"GET", "/runbooks/:id", handleGetRunbook(d.Runbooks, d.Logger)},
		{"POST", "/runbooks/lint", handleLint(d.Linter, d.Logger)},
		{"GET", "/schemas/:section", handleSchema(d.Schemas, d.Logger)},
		{"GET", "/healthz", handleHealth()},
		{"GET", "/readyz", handleReady(d.Ready)},
	}
}

// RouteTable lists the method and path of every route, for documentation tests.
func RouteTable() []Route {
	rs := routes(Deps{})
	for i := range rs {
		rs[i].Handler = nil
	}
	return rs
}
