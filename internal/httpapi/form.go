package httpapi

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/web"
)

// handleFormPost reads the request form as a browser without JavaScript
// posts it (application/x-www-form-urlencoded): the API key is a field (a
// browser sends no Authorization header), the request goes through the same
// screen, validation, budgets and generation as a JSON one, and the answer
// is a redirect to the runbook's page behind its signed link. A problem is
// the form again, with each problem next to the field it names; a pasted
// secret empties the form, so nothing of it is shown again.
func handleFormPost(d Deps) gin.HandlerFunc {
	// A form post is a "simple" request a page on any site can make: only
	// rotor's own pages (same origin, per Sec-Fetch-Site or Origin) may.
	origins := http.NewCrossOriginProtection()
	return func(c *gin.Context) {
		keyed := len(d.Keys) > 0
		page := func(status int, st web.FormState) {
			htmlPage(c, d.Logger, status, func(b *bytes.Buffer) error { return d.pages.FormWith(b, keyed, st) })
		}
		refuse := func(st web.FormState, err error) {
			err = withheld(c, err)
			code := runbook.ErrorCode(err)
			status, ok := statusOf[code]
			if !ok || code == runbook.CodeInternal {
				d.Logger.ErrorContext(c.Request.Context(), "form: internal error", "err", err)
				page(http.StatusInternalServerError, st.WithErrors("rotor could not write this runbook just now; try again in a moment.", nil))
				return
			}
			msg, fields := errorText(err)
			st = st.WithErrors(msg, fields)
			if code == runbook.CodeSecretDetected {
				st = st.Cleared()
			}
			page(status, st)
		}
		if err := origins.Check(c.Request); err != nil {
			htmlPage(c, d.Logger, http.StatusForbidden, func(b *bytes.Buffer) error {
				return d.pages.Error(b, "Form refused", "This form was sent from another site. Open rotor's own form and send it from there.")
			})
			return
		}
		if d.RequestTimeout > 0 {
			ctx, cancel := context.WithTimeout(c.Request.Context(), d.RequestTimeout)
			defer cancel()
			c.Request = c.Request.WithContext(ctx)
		}
		st, err := readForm(c)
		if err != nil {
			refuse(st, err)
			return
		}
		if st.Edit {
			page(http.StatusOK, st)
			return
		}
		if keyed {
			if !acceptKey(c, d.Keys, c.Request.PostForm.Get(web.FieldAPIKey)) {
				refuse(st, &runbook.Error{Code: runbook.CodeUnauthorized, Message: "rotor did not accept this API key",
					Fields: []runbook.FieldError{{Path: web.FieldAPIKey, Problem: "is not one of rotor's keys: enter it again"}}})
				return
			}
		} else {
			c.Set(openKey, true)
		}
		if err := allowed(c, d.Limiter, d.Logger); err != nil {
			refuse(st, err)
			return
		}
		body, err := st.Request()
		if err != nil {
			refuse(st, err)
			return
		}
		ctx := c.Request.Context()
		resp, err := d.Generator.Respond(ctx, body, generate.Options{Owner: owner(c), Admit: admit(c, d, limitKey(c))})
		if err != nil {
			refuse(st, err)
			return
		}
		if resp.Stored == nil && resp.Runbook != nil {
			if _, err := d.Runbooks.Put(ctx, resp.Runbook, owner(c)); err != nil {
				// Not kept, so no link would open it: the page itself.
				d.Logger.WarnContext(ctx, "runbook not stored", "id", resp.Runbook.ID, "err", err)
				htmlPage(c, d.Logger, http.StatusOK, func(b *bytes.Buffer) error {
					return d.pages.Runbook(b, web.RunbookPage{ID: resp.Runbook.ID, Runbook: resp.Runbook})
				})
				return
			}
		}
		id := resp.ID
		if id == "" && resp.Runbook != nil {
			id = resp.Runbook.ID
		}
		c.Header("Content-Location", "/runbooks/"+id)
		// 303: the browser follows with a GET, so a reload does not post
		// the form again.
		c.Redirect(http.StatusSeeOther, d.Links.Page(id))
	}
}

// readForm reads the posted form: x-www-form-urlencoded, within the body
// limit of a JSON request.
func readForm(c *gin.Context) (web.FormState, error) {
	st := web.NewFormState()
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return st, &runbook.Error{Code: runbook.CodeInvalid, Message: "the form must be sent as a form",
			Fields: []runbook.FieldError{{Path: "", Problem: "Content-Type must be application/x-www-form-urlencoded (a JSON request goes to POST /runbooks)"}}}
	}
	data, err := readLimited(c, runbook.MaxBodyBytes)
	if err != nil {
		return st, err
	}
	values, err := url.ParseQuery(string(data))
	if err != nil {
		return st, &runbook.Error{Code: runbook.CodeInvalid, Message: "the form could not be read",
			Fields: []runbook.FieldError{{Path: "", Problem: "the body is not x-www-form-urlencoded"}}}
	}
	c.Request.PostForm = values
	// Screened before anything reads it, as a JSON body is: a form shown
	// again with its values would otherwise repeat a pasted secret.
	if sc, ok := c.Get(screenKey); ok && sc != nil {
		var ts []secretscan.Text
		for _, t := range web.Texts(values) {
			ts = append(ts, secretscan.Text{Path: t.Path, Value: t.Value})
		}
		if err := secretscan.RefusalError(sc.(TextScreener).ScanTexts(ts)); err != nil {
			return st, err
		}
	}
	st, problems := web.ParseForm(values)
	if len(problems) > 0 {
		return st, &runbook.Error{Code: runbook.CodeInvalid, Message: "the form is invalid", Fields: problems}
	}
	return st, nil
}

// errorText is an error's message (as a sentence for a person) and its
// fields.
func errorText(err error) (string, []runbook.FieldError) {
	var re *runbook.Error
	var ve *runbook.ValidationError
	msg := "the request is invalid"
	var fields []runbook.FieldError
	switch {
	case errors.As(err, &re):
		msg, fields = re.Message, re.Fields
	case errors.As(err, &ve):
		fields = ve.Fields
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
	}
	return msg, fields
}
