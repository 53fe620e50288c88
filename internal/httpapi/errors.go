package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/internal/runbook"
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

// writeError answers with the contract's error body. Internal errors are logged
// and replaced by a generic message: their text is never echoed.
func writeError(c *gin.Context, log *slog.Logger, err error) {
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
