package runbook

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error for callers; the HTTP layer maps each code to a
// status in one table.
type Code string

// Error codes. The strings are part of the HTTP contract.
const (
	CodeInvalid        Code = "invalid_request"
	CodeSecretDetected Code = "secret_detected"
	CodeTooLarge       Code = "too_large"
	CodeUnauthorized   Code = "unauthorized"
	CodeForbidden      Code = "forbidden"
	CodeRateLimited    Code = "rate_limited"
	CodeLLMUnavailable Code = "llm_unavailable"
	// CodeUnavailable: a dependency other than the LLM (the job queue's
	// Redis) does not answer; retry later.
	CodeUnavailable      Code = "unavailable"
	CodeNotFound         Code = "not_found"
	CodeMethodNotAllowed Code = "method_not_allowed"
	CodeInternal         Code = "internal"
)

// FieldError is one problem at one JSON path of the input.
type FieldError struct {
	Path    string `json:"path"`
	Problem string `json:"problem"`
}

// Error is an error meant for the caller: a code, a message safe to show, and
// the fields at fault.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Path + ": " + f.Problem
		if f.Path == "" {
			parts[i] = f.Problem
		}
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ValidationError lists every problem found in a request or runbook.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	return (&Error{Code: CodeInvalid, Message: "invalid request", Fields: e.Fields}).Error()
}

// ErrorCode extracts the code of err: the code of an *Error, invalid_request
// for a *ValidationError, internal for anything else.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return CodeInvalid
	}
	return CodeInternal
}

// TooLarge is the error for an input over MaxBodyBytes.
func TooLarge(n int) *Error {
	return &Error{Code: CodeTooLarge, Message: fmt.Sprintf("body is larger than %d bytes", MaxBodyBytes),
		Fields: []FieldError{{Path: "", Problem: fmt.Sprintf("%d bytes received, at most %d accepted", n, MaxBodyBytes)}}}
}
