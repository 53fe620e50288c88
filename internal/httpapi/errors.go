package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[runbook.Code]int{
	runbook.CodeInvalid:          http.StatusBadRequest,
	runbook.CodeSecretDetected:   http.StatusUnprocessableEntity,
	runbook.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	runbook.CodeUnauthorized:     http.StatusUnauthorized,
	runbook.CodeForbidden:        http.StatusForbidden,
	runbook.CodeRateLimited:      http.StatusTooManyRequests,
	runbook.CodeLLMUnavailable:   http.StatusServiceUnavailable,
	runbook.CodeUnavailable:      http.StatusServiceUnavailable,
	runbook.CodeNotFound:         http.StatusNotFound,
	runbook.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	runbook.CodeInternal:         http.StatusInternalServerError,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    runbook.Code         `json:"code"`
	Message string               `json:"message"`
	Fields  []runbook.FieldError `json:"fields"`
}

// screenKey holds the request's TextScreener in the gin context, so every
// error written is screened (see withheld).
const screenKey = "text_screener"

// withheld returns err, or when any text it would show (message, field
// paths, problems) looks like a live secret, a secret_detected error that
// names what was withheld and never repeats it. Input is screened before it
// is validated; this is the net under every other message that quotes what
// the caller sent (a query parameter, a header, a path).
func withheld(c *gin.Context, err error) error {
	v, ok := c.Get(screenKey)
	sc, _ := v.(TextScreener)
	if !ok || sc == nil {
		return err
	}
	var re *runbook.Error
	var ve *runbook.ValidationError
	var msg string
	var fields []runbook.FieldError
	switch {
	case errors.As(err, &re):
		msg, fields = re.Message, re.Fields
	case errors.As(err, &ve):
		fields = ve.Fields
	default:
		return err
	}
	var out []runbook.FieldError
	refuse := func(path, rule string) {
		out = append(out, runbook.FieldError{Path: path, Problem: fmt.Sprintf(
			"looks like a live secret (rule %s); it is not repeated here: remove it and rotate it, since it may already be exposed", rule)})
	}
	if hits := secretscan.Refusals(sc.ScanValue("", msg)); len(hits) > 0 {
		refuse("", hits[0].Rule)
	}
	for _, f := range fields {
		path := f.Path
		if hits := secretscan.Refusals(sc.ScanValue("", path)); len(hits) > 0 {
			path = "(withheld)"
		}
		if hits := secretscan.Refusals(sc.ScanValue("", path+" "+f.Problem)); len(hits) > 0 {
			refuse(path, hits[0].Rule)
		}
	}
	if len(out) == 0 {
		return err
	}
	return &runbook.Error{Code: runbook.CodeSecretDetected,
		Message: "the request contains what looks like a live secret; it was not stored, logged or sent anywhere", Fields: out}
}

// writeError answers with the contract's error body. Internal errors are logged
// and replaced by a generic message: their text is never echoed.
func writeError(c *gin.Context, log *slog.Logger, err error) {
	err = withheld(c, err)
	code := runbook.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = runbook.CodeInternal, http.StatusInternalServerError
	}
	body := errorDetail{Code: code, Fields: []runbook.FieldError{}}
	var re *runbook.Error
	var ve *runbook.ValidationError
	switch {
	case errors.As(err, &re):
		body.Message = re.Message
		if re.Fields != nil {
			body.Fields = re.Fields
		}
	case errors.As(err, &ve):
		body.Message = "the request is invalid"
		body.Fields = ve.Fields
	}
	if code == runbook.CodeInternal {
		log.ErrorContext(c.Request.Context(), "internal error", "err", err, "request_id", c.GetString(requestIDKey))
		if body.Message == "" {
			body.Message = "internal error"
		}
	}
	c.AbortWithStatusJSON(status, errorBody{Error: body})
}
