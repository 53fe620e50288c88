package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// CORS lets browser pages on other origins use the API (ROTOR_CORS_ORIGINS).
// rotor authenticates with a Bearer header, never a cookie, so it never
// allows credentials: a wildcard origin stays safe.
type CORS struct {
	// Origins are exact origins (https://tools.example.com), or the single
	// entry "*" for any origin. None: no cross-origin access.
	Origins []string
}

// ParseCORSOrigins reads ROTOR_CORS_ORIGINS: comma-separated origins, or "*".
func ParseCORSOrigins(list []string) (CORS, error) {
	var c CORS
	for _, o := range list {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		switch {
		case o == "":
			continue
		case o == "*":
		case !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://"), strings.Count(o, "/") != 2:
			return CORS{}, errors.New("origin " + o + " must be scheme://host[:port] with no path, or *")
		}
		c.Origins = append(c.Origins, o)
	}
	if slices.Contains(c.Origins, "*") && len(c.Origins) > 1 {
		return CORS{}, errors.New(`"*" allows every origin: list origins or give "*" alone`)
	}
	return c, nil
}

func (c CORS) allows(origin string) bool {
	if origin == "" || len(c.Origins) == 0 {
		return false
	}
	return c.Origins[0] == "*" || slices.Contains(c.Origins, origin)
}

// CORS request headers a page may send and response headers it may read.
const (
	corsAllowHeaders  = "Authorization, Content-Type, Accept, Prefer, Last-Event-ID, X-Request-ID"
	corsExposeHeaders = "Location, Content-Location, Retry-After, X-Request-ID, Link, Preference-Applied"
)

// cors adds the CORS headers to the answer of an allowed origin.
func (c CORS) middleware() gin.HandlerFunc {
	return func(ctx *gin.Context) {
		if len(c.Origins) == 0 {
			return
		}
		ctx.Writer.Header().Add("Vary", "Origin")
		if origin := ctx.GetHeader("Origin"); c.allows(origin) {
			ctx.Header("Access-Control-Allow-Origin", c.allowOrigin(origin))
			ctx.Header("Access-Control-Expose-Headers", corsExposeHeaders)
		}
	}
}

func (c CORS) allowOrigin(origin string) string {
	if c.Origins[0] == "*" {
		return "*"
	}
	return origin
}

// handlePreflight answers OPTIONS on a route's path: 204 with what the
// browser may do when the origin is allowed, else 405 (as any method the
// path does not serve) with Allow.
func handlePreflight(c CORS, allowed []string, d Deps) gin.HandlerFunc {
	allow := strings.Join(allowed, ", ")
	withOptions := strings.Join(append(slices.Clone(allowed), "OPTIONS"), ", ")
	return func(ctx *gin.Context) {
		method := ctx.GetHeader("Access-Control-Request-Method")
		if !c.allows(ctx.GetHeader("Origin")) || !slices.Contains(allowed, method) {
			ctx.Header("Allow", withOptions)
			writeError(ctx, d.Logger, runbook.Errorf(runbook.CodeMethodNotAllowed, "OPTIONS is only a CORS preflight here, from an origin in ROTOR_CORS_ORIGINS; this path allows %s", allow))
			return
		}
		ctx.Header("Access-Control-Allow-Methods", allow)
		ctx.Header("Access-Control-Allow-Headers", corsAllowHeaders)
		ctx.Header("Access-Control-Max-Age", "600")
		ctx.Status(http.StatusNoContent)
	}
}

// pathMethods maps each route path to its methods (OPTIONS included).
func pathMethods(rs []Route) map[string][]string {
	out := map[string][]string{}
	for _, r := range rs {
		ms := []string{r.Method}
		if r.Method == "GET" {
			ms = append(ms, "HEAD") // every GET answers HEAD (NewServer)
		}
		for _, m := range ms {
			if !slices.Contains(out[r.Path], m) {
				out[r.Path] = append(out[r.Path], m)
			}
		}
	}
	for p := range out {
		sort.Strings(out[p])
	}
	return out
}

// allowFor returns the methods served on a concrete request path, for the
// Allow header of a 405.
func allowFor(methods map[string][]string, path string) []string {
	segs := strings.Split(path, "/")
	var best []string
	bestStatic := -1
	for pattern, ms := range methods {
		ps := strings.Split(pattern, "/")
		if len(ps) != len(segs) {
			continue
		}
		static := 0
		for i, p := range ps {
			if strings.HasPrefix(p, ":") {
				continue
			}
			if p != segs[i] {
				static = -1
				break
			}
			static++
		}
		// A static segment wins over a parameter (/runbooks/lint over
		// /runbooks/:id), as in the router.
		if static > bestStatic {
			best, bestStatic = ms, static
		}
	}
	return best
}
