package httpapi

import (
	"bytes"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/internal/jobs"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/web"
)

// htmlPage answers with a rendered page under the pages' security headers.
// Pages may hold a runbook (or a signed link to one): never cached, never
// sent on as a referrer.
func htmlPage(c *gin.Context, log *slog.Logger, status int, render func(*bytes.Buffer) error) {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		writeError(c, log, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", web.CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// handleForm serves the request form.
func handleForm(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		htmlPage(c, d.Logger, http.StatusOK, func(b *bytes.Buffer) error { return d.pages.Form(b, len(d.Keys) > 0) })
	}
}

// handleAsset serves the pages' embedded stylesheet and scripts.
func handleAsset(d Deps) gin.HandlerFunc {
	static := web.Static()
	return func(c *gin.Context) {
		name := c.Param("name")
		data, err := fs.ReadFile(static, name)
		if err != nil || path.Base(name) != name {
			writeError(c, d.Logger, runbook.Errorf(runbook.CodeNotFound, "no asset %q", name))
			return
		}
		c.Header("Cache-Control", "public, max-age=300")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, mime.TypeByExtension(path.Ext(name)), data)
	}
}

// checkLink verifies a signed link; a refusal is a page for the person who
// followed it.
func checkLink(c *gin.Context, d Deps) (string, bool) {
	id := c.Param("id")
	if err := d.Links.Check(id, c.Query("exp"), c.Query("sig")); err != nil {
		msg := "This link is not valid: it was altered or cut. Ask for the runbook again (for example with /rotate in Slack)."
		if escapedAmpersand(c.Request.URL.RawQuery) {
			// The async answer's "page", copied from the raw JSON, where
			// Go escapes & as \u0026: the link itself is fine.
			msg = `This link was copied from raw JSON, which writes each ampersand of the link as \u0026: put the ampersand back in its place, or take the link with jq -r (curl ... | jq -r .page) or from the Link header.`
		} else if err == errLinkExpired {
			msg = "This link has expired. Ask for the runbook again (for example with /rotate in Slack), or read it with an API key at /runbooks/" + id + "."
		}
		if wantsHTML(c) {
			htmlPage(c, d.Logger, http.StatusForbidden, func(b *bytes.Buffer) error { return d.pages.Error(b, "Link refused", msg) })
			c.Abort()
		} else {
			writeError(c, d.Logger, runbook.Errorf(runbook.CodeForbidden, "%s", msg))
		}
		return "", false
	}
	return id, true
}

// escapedAmpersand reports whether a query holds a JSON-escaped & (\u0026,
// or %5Cu0026 as a browser sends it).
func escapedAmpersand(rawQuery string) bool {
	q := strings.ToLower(rawQuery)
	return strings.Contains(q, `\u0026`) || strings.Contains(q, `%5cu0026`)
}

// handleSignedPage serves the runbook page to whoever holds a signed link,
// without an API key, for that runbook only.
func handleSignedPage(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if id, ok := checkLink(c, d); ok {
			// The page's download links: the same signed link, as a file.
			if f := c.Query("format"); f == formatMarkdown || f == formatJSON {
				st, err := d.Runbooks.Stored(c.Request.Context(), id)
				if err != nil {
					writeError(c, d.Logger, err)
					return
				}
				c.Header("Content-Disposition", `attachment; filename="runbook-`+id+`.`+f+`"`)
				respondStored(c, d, st, f, render.ViewFull, false)
				return
			}
			view, err := viewParam(c)
			if err != nil {
				htmlPage(c, d.Logger, http.StatusBadRequest, func(b *bytes.Buffer) error {
					return d.pages.Error(b, "Unknown view", "The view must be full or card.")
				})
				return
			}
			runbookPage(c, d, id, view)
		}
	}
}

// handleSignedEvents is the event stream behind a signed link (the page
// follows a job with it: EventSource cannot send an API key).
func handleSignedEvents(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if id, ok := checkLink(c, d); ok {
			streamEvents(c, d, id)
		}
	}
}

// runbookPage renders the runbook, or the progress of its job, or not found.
func runbookPage(c *gin.Context, d Deps, id string, view render.View) {
	ctx := c.Request.Context()
	rb, err := d.Runbooks.Load(ctx, id)
	if err == nil {
		htmlPage(c, d.Logger, http.StatusOK, func(b *bytes.Buffer) error {
			return d.pages.Runbook(b, web.RunbookPage{ID: id, Runbook: rb, View: view, Download: d.Links.Page(id)})
		})
		return
	}
	if runbook.ErrorCode(err) == runbook.CodeNotFound && d.Jobs != nil {
		if st, jerr := d.Jobs.Get(ctx, id); jerr == nil {
			htmlPage(c, d.Logger, http.StatusOK, func(b *bytes.Buffer) error {
				return d.pages.Runbook(b, web.RunbookPage{ID: id, Job: jobPage(st), Events: d.Links.Events(id)})
			})
			return
		}
	}
	status := http.StatusNotFound
	msg := "There is no runbook " + id + ": it was never written here, or it is older than ROTOR_RUNBOOK_TTL."
	if runbook.ErrorCode(err) != runbook.CodeNotFound {
		status, msg = http.StatusInternalServerError, "The runbook could not be read just now; try again in a moment."
		d.Logger.ErrorContext(ctx, "runbook page: load failed", "id", id, "err", err)
	}
	htmlPage(c, d.Logger, status, func(b *bytes.Buffer) error { return d.pages.Error(b, "Runbook not available", msg) })
}

func jobPage(st *jobs.State) *web.Job {
	v := viewOf(st)
	j := &web.Job{Status: string(st.Status)}
	for _, id := range st.Requested {
		j.Sections = append(j.Sections, web.SectionState{ID: id, State: v.Progress[id]})
	}
	if st.Error != nil {
		j.Error = st.Error.Message
	}
	return j
}
