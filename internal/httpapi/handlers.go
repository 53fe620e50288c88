package httpapi

import (
	"bytes"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/api"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/repository"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/web"
)

// readBody reads at most runbook.MaxBodyBytes of a JSON body.
func readBody(c *gin.Context) ([]byte, error) {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, &runbook.Error{Code: runbook.CodeInvalid, Message: "the body must be JSON",
				Fields: []runbook.FieldError{{Path: "", Problem: "Content-Type must be application/json, got " + ct}}}
		}
	}
	return readLimited(c, runbook.MaxBodyBytes)
}

// readLimited reads at most limit bytes of the body. A body announced
// larger is refused before a byte of it is read: a client that sent
// Expect: 100-continue gets the 413 instead of being told to send 10 MB
// the server then cuts off (a reset connection).
func readLimited(c *gin.Context, limit int64) ([]byte, error) {
	if c.Request.ContentLength > limit {
		c.Header("Connection", "close")
		return nil, runbook.TooLarge(int(c.Request.ContentLength))
	}
	var buf bytes.Buffer
	if n := c.Request.ContentLength; n > 0 {
		buf.Grow(int(n) + 1) // one allocation for an announced body
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	data := buf.Bytes()
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, runbook.TooLarge(int(c.Request.ContentLength))
	}
	if err != nil {
		return nil, &runbook.Error{Code: runbook.CodeInvalid, Message: "could not read the body"}
	}
	return data, nil
}

// Response formats.
const (
	formatJSON     = "json"
	formatMarkdown = "md"
	formatHTML     = "html"
)

// negotiate reads ?format= first, then the Accept header (first listed
// type rotor serves wins; browsers list text/html first).
func negotiate(c *gin.Context) (string, error) {
	switch f := strings.ToLower(c.Query("format")); f {
	case "md", "markdown":
		return formatMarkdown, nil
	case "json":
		return formatJSON, nil
	case "html":
		return formatHTML, nil
	case "":
	default:
		return "", &runbook.Error{Code: runbook.CodeInvalid, Message: "unknown format",
			Fields: []runbook.FieldError{{Path: "format", Problem: `"` + f + `" must be one of json, md, html`}}}
	}
	for _, part := range strings.Split(c.GetHeader("Accept"), ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch mt {
		case "text/markdown", "text/x-markdown":
			return formatMarkdown, nil
		case "application/json":
			return formatJSON, nil
		case "text/html":
			return formatHTML, nil
		}
	}
	return formatJSON, nil
}

// viewParam reads ?view=: "card" for the operator card alone, "full" (the
// default) for the card with the appendices behind it (in JSON: the whole
// runbook, as always).
func viewParam(c *gin.Context) (render.View, error) {
	switch v := render.View(strings.ToLower(c.Query("view"))); v {
	case "", render.ViewFull:
		return render.ViewFull, nil
	case render.ViewCard:
		return render.ViewCard, nil
	default:
		return "", &runbook.Error{Code: runbook.CodeInvalid, Message: "unknown view",
			Fields: []runbook.FieldError{{Path: "view", Problem: `"` + string(v) + `" must be one of full, card`}}}
	}
}

// respondCard writes the operator card alone: Markdown, a page, or the
// card's JSON (a view of the runbook, which keeps every section).
func respondCard(c *gin.Context, d Deps, status int, rb *runbook.Runbook, format string) {
	switch format {
	case formatMarkdown:
		var buf bytes.Buffer
		_ = render.MarkdownView(&buf, rb, render.ViewCard)
		c.Data(status, "text/markdown; charset=utf-8", buf.Bytes())
	case formatHTML:
		htmlPage(c, d.Logger, status, func(b *bytes.Buffer) error {
			return d.pages.Runbook(b, web.RunbookPage{ID: rb.ID, Runbook: rb, View: render.ViewCard, Download: d.Links.Page(rb.ID)})
		})
	default:
		c.JSON(status, render.BuildCard(rb))
	}
}

// wantsHTML says whether the client is a browser asking for a page.
func wantsHTML(c *gin.Context) bool {
	f, err := negotiate(c)
	return err == nil && f == formatHTML
}

// pageLink advertises the runbook's page behind a signed link.
func pageLink(c *gin.Context, d Deps, id string) {
	c.Header("Link", "<"+d.Links.Page(id)+`>; rel="alternate"; type="text/html"`)
}

func respondRunbook(c *gin.Context, d Deps, status int, rb *runbook.Runbook, format string, view render.View) {
	c.Header("Content-Location", "/runbooks/"+rb.ID)
	pageLink(c, d, rb.ID)
	if view == render.ViewCard {
		respondCard(c, d, status, rb, format)
		return
	}
	switch format {
	case formatMarkdown:
		var buf bytes.Buffer
		_ = render.Markdown(&buf, rb)
		c.Data(status, "text/markdown; charset=utf-8", buf.Bytes())
	case formatHTML:
		htmlPage(c, d.Logger, status, func(b *bytes.Buffer) error {
			return d.pages.Runbook(b, web.RunbookPage{ID: rb.ID, Runbook: rb, Download: d.Links.Page(rb.ID)})
		})
	default:
		c.JSON(status, rb)
	}
}

// respondStored writes a stored runbook's bytes as they are: its JSON (as
// generated, or as an identical request receives it from the cache), its
// Markdown (rendered once per runbook), gzip-compressed (once per process)
// when the client accepts it, always with Content-Length.
func respondStored(c *gin.Context, d Deps, st *repository.Stored, format string, view render.View, cached bool) {
	c.Header("Content-Location", "/runbooks/"+st.ID)
	pageLink(c, d, st.ID)
	if view == render.ViewCard {
		rb, err := st.Runbook()
		if err != nil {
			writeError(c, d.Logger, err)
			return
		}
		respondCard(c, d, http.StatusOK, rb, format)
		return
	}
	switch format {
	case formatMarkdown:
		md, err := d.Runbooks.Markdown(c.Request.Context(), st)
		if err != nil {
			writeError(c, d.Logger, err)
			return
		}
		writeBytes(c, "text/markdown; charset=utf-8", md, func() []byte { return st.Gzip("md", md) })
	case formatHTML:
		rb, err := st.Runbook()
		if err != nil {
			writeError(c, d.Logger, err)
			return
		}
		htmlPage(c, d.Logger, http.StatusOK, func(b *bytes.Buffer) error {
			return d.pages.Runbook(b, web.RunbookPage{ID: rb.ID, Runbook: rb, Download: d.Links.Page(rb.ID)})
		})
	default:
		body, name := st.JSON, "json"
		if cached {
			body, name = st.Cached(), "cached"
		}
		writeBytes(c, "application/json; charset=utf-8", body, func() []byte { return st.Gzip(name, body) })
	}
}

// writeBytes writes a 200 with body, or gz() when the client accepts gzip.
func writeBytes(c *gin.Context, contentType string, body []byte, gz func() []byte) {
	h := c.Writer.Header()
	h.Set("Content-Type", contentType)
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(c.Request.Header.Get("Accept-Encoding")) {
		body = gz()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Status(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		_, _ = c.Writer.Write(body)
	}
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a q above 0.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || strings.HasPrefix(q, "q=0.0") && strings.Trim(q[2:], "0.") == "" {
			continue
		}
		return true
	}
	return false
}

func handleCreateRunbook(d Deps) gin.HandlerFunc {
	gen, store, log := d.Generator, d.Runbooks, d.Logger
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		format, err := negotiate(c)
		if err != nil {
			writeError(c, log, err)
			return
		}
		view, err := viewParam(c)
		if err != nil {
			writeError(c, log, err)
			return
		}
		var sections []runbook.SectionID
		if raw := c.Query("sections"); raw != "" {
			if sections, err = section.Parse(strings.Split(raw, ",")); err != nil {
				writeError(c, log, err)
				return
			}
		}
		data, err := readBody(c)
		if err != nil {
			writeError(c, log, err)
			return
		}
		switch {
		case wantsAsync(c) && d.Queue != nil:
			startJob(c, d, data, sections)
			return
		case c.Query("stream") == "1" || c.Query("stream") == "true":
			streamNow(c, d, log, data, sections)
			return
		}
		resp, err := gen.Respond(ctx, data, generate.Options{Sections: sections, Owner: owner(c), Admit: admit(c, d, limitKey(c))})
		if err != nil {
			writeError(c, log, err)
			return
		}
		if resp.Stored == nil && resp.Runbook != nil {
			// A generator without the store: keep it here.
			if resp.Stored, err = store.Put(ctx, resp.Runbook, owner(c)); err != nil {
				// The runbook is still correct; it just cannot be fetched again.
				log.WarnContext(ctx, "runbook not stored", "id", resp.Runbook.ID, "err", err)
				respondRunbook(c, d, http.StatusOK, resp.Runbook, format, view)
				return
			}
		}
		respondStored(c, d, resp.Stored, format, view, resp.Cached)
	}
}

func handleGetRunbook(d Deps) gin.HandlerFunc {
	store, log := d.Runbooks, d.Logger
	return func(c *gin.Context) {
		format, err := negotiate(c)
		if err != nil {
			writeError(c, log, err)
			return
		}
		view, err := viewParam(c)
		if err != nil {
			writeError(c, log, err)
			return
		}
		id := c.Param("id")
		if !readable(c, d, id) {
			return
		}
		if format == formatHTML {
			runbookPage(c, d, id, view)
			return
		}
		st, err := store.Stored(c.Request.Context(), id)
		if err != nil {
			if runbook.ErrorCode(err) == runbook.CodeNotFound && d.Jobs != nil {
				if st, jerr := d.Jobs.Get(c.Request.Context(), id); jerr == nil {
					respondJob(c, d, st)
					return
				}
			}
			writeError(c, log, err)
			return
		}
		respondStored(c, d, st, format, view, false)
	}
}

func handleLint(l Linter, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		data, err := readBody(c)
		if err != nil {
			writeError(c, log, err)
			return
		}
		rb, err := lint.Decode(data)
		if err != nil {
			writeError(c, log, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"findings": l.Lint(rb)})
	}
}

func handleSchema(s Schemas, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := runbook.SectionID(c.Param("section"))
		data, ok := s.JSON(id)
		if !ok {
			writeError(c, log, &runbook.Error{Code: runbook.CodeNotFound, Message: "unknown section",
				Fields: []runbook.FieldError{{Path: "section", Problem: `"` + string(id) + `" is not one of ` + sectionList()}}})
			return
		}
		c.Data(http.StatusOK, "application/schema+json", data)
	}
}

func sectionList() string {
	ids := make([]string, len(section.IDs()))
	for i, id := range section.IDs() {
		ids[i] = string(id)
	}
	return strings.Join(ids, ", ")
}

// handleSpec serves api/openapi.yaml, the HTTP contract.
func handleSpec() gin.HandlerFunc {
	spec := api.Spec()
	return func(c *gin.Context) {
		c.Data(http.StatusOK, "application/yaml; charset=utf-8", spec)
	}
}

func handleHealth() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	}
}

func handleReady(ready Readiness) gin.HandlerFunc {
	return func(c *gin.Context) {
		status, checks := "ready", map[string]string{}
		if ready != nil {
			status, checks = ready(c.Request.Context())
		}
		code := http.StatusOK
		if status == "unavailable" || status == "draining" {
			code = http.StatusServiceUnavailable
		}
		c.JSON(code, gin.H{"status": status, "checks": checks})
	}
}

func handleMetrics(m Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		if m == nil {
			c.String(http.StatusOK, "# metrics are off\n")
			return
		}
		m.Handler().ServeHTTP(c.Writer, c.Request)
	}
}
