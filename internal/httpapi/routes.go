package httpapi

import "github.com/gin-gonic/gin"

// Route is one registered endpoint.
type Route struct {
	Method  string
	Path    string
	Handler gin.HandlerFunc
	// Open routes take no API key and no rate limit: health, readiness,
	// Slack (verified by its own signature), signed links (verified by their
	// signature), the pages' assets and the form (which sends the key itself;
	// its post checks the key it carries).
	Open bool
}

// routes lists every endpoint of the service, then an OPTIONS (CORS
// preflight) route for each path; api/openapi.yaml describes the same set (a
// test checks every operation against the router).
func routes(d Deps) []Route {
	rs := []Route{
		{Method: "GET", Path: "/", Handler: handleForm(d), Open: true},
		// The form posted by a browser without JavaScript: it carries the
		// API key as a field and checks it itself, then spends the key's
		// budgets like POST /runbooks.
		{Method: "POST", Path: "/", Handler: handleFormPost(d), Open: true},
		{Method: "GET", Path: "/assets/:name", Handler: handleAsset(d), Open: true},
		{Method: "POST", Path: "/runbooks", Handler: handleCreateRunbook(d)},
		{Method: "GET", Path: "/runbooks/:id", Handler: handleGetRunbook(d)},
		{Method: "GET", Path: "/runbooks/:id/events", Handler: handleEvents(d)},
		{Method: "GET", Path: "/runbooks/:id/catalog-drafts", Handler: handleCatalogDrafts(d)},
		{Method: "GET", Path: "/r/:id", Handler: handleSignedPage(d), Open: true},
		{Method: "GET", Path: "/r/:id/events", Handler: handleSignedEvents(d), Open: true},
		{Method: "POST", Path: "/runbooks/lint", Handler: handleLint(d.Linter, d.Logger)},
		{Method: "GET", Path: "/schemas/:section", Handler: handleSchema(d.Schemas, d.Logger)},
		{Method: "POST", Path: "/slack/commands", Handler: handleSlack(d), Open: true},
		{Method: "POST", Path: "/slack/interactions", Handler: handleSlackActions(d), Open: true},
		{Method: "GET", Path: "/healthz", Handler: handleHealth(), Open: true},
		{Method: "GET", Path: "/readyz", Handler: handleReady(d.Ready), Open: true},
		// The contract itself: public, like the code that implements it.
		{Method: "GET", Path: "/openapi.yaml", Handler: handleSpec(), Open: true},
		// Metrics name routes, models and rules: they need a key unless
		// ROTOR_METRICS_OPEN says the network in front keeps them private.
		{Method: "GET", Path: "/metrics", Handler: handleMetrics(d.Metrics), Open: d.MetricsOpen},
	}
	var paths []string
	for _, r := range rs {
		paths = append(paths, r.Path)
	}
	methods := pathMethods(rs)
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		allowed := methods[p]
		rs = append(rs, Route{Method: "OPTIONS", Path: p, Handler: handlePreflight(d.CORS, allowed, d), Open: true})
	}
	return rs
}

// RouteTable lists the method and path of every route, for documentation tests.
func RouteTable() []Route {
	rs := routes(Deps{})
	for i := range rs {
		rs[i].Handler = nil
	}
	return rs
}
