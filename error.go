package minwon

import (
	"errors"
	"fmt"
)

// Error codes. Each edge (HTTP, SIP, WebSocket) maps them once.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EUNAVAILABLE  = "unavailable"
	ETOOLARGE     = "too_large"
	EINTERNAL     = "internal"
)

// Error is the one error type the domain returns. Message is safe to show to
// the caller; anything else stays in wrapped errors and the log.
type Error struct {
	Code    string
	Message string
	// Field names the input at fault where one is, as a JSON path such as
	// "types.abuse.strike_window_ns", so a form can show the error inline.
	Field string
}

func (e *Error) Error() string { return fmt.Sprintf("minwon: %s: %s", e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf builds an EINVALID *Error about one input field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Message: field + ": " + fmt.Sprintf(format, args...), Field: field}
}

// ErrorField returns the field of the first *Error in err's chain, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
