package httpapi

import "github.com/gin-gonic/gin"

// Route is one registered endpoint.
type Route struct {
	Method  string
	Path    string
	Handler gin.HandlerFunc
	// Open routes take no API key and no rate limit: health, readiness and
	// Slack (which is verified by its own signature).
	Open bool
}

// routes lists every endpoint of the service; api/openapi.yaml describes the
// same set (a test keeps them in step).
func routes(d Deps) []Route {
	return []Route{
		{Method: "POST", Path: "/runbooks", Handler: handleCreateRunbook(d)},
		{Method: "GET", Path: "/runbooks/:id", Handler: handleGetRunbook(d)},
		{Method: "GET", Path: "/runbooks/:id/events", Handler: handleEvents(d)},
		{Method: "POST", Path: "/runbooks/lint", Handler: handleLint(d.Linter, d.Logger)},
		{Method: "GET", Path: "/schemas/:section", Handler: handleSchema(d.Schemas, d.Logger)},
		{Method: "POST", Path: "/slack/commands", Handler: handleSlack(d), Open: true},
		{Method: "GET", Path: "/healthz", Handler: handleHealth(), Open: true},
		{Method: "GET", Path: "/readyz", Handler: handleReady(d.Ready), Open: true},
		{Method: "GET", Path: "/metrics", Handler: handleMetrics(d.Metrics), Open: true},
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
