package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// The request form's fields as a browser posts them without JavaScript
// (application/x-www-form-urlencoded). Each secret is one row of fields
// sharing their names, so a row's values come in the same position of each
// list: selects and text inputs are always sent, even empty.
const (
	FieldAPIKey       = "api_key"
	fieldAddSecret    = "add_secret"
	fieldRemoveSecret = "remove_secret"
)

// secretFields are the per-secret fields: the form's name, the request's.
var secretFields = []struct{ form, json string }{
	{"secret_name", "name"}, {"secret_kind", "kind"}, {"secret_provider", "provider"}, {"secret_owner", "owner"},
	{"secret_consumers", "consumers"}, {"secret_environments", "environments"}, {"secret_exposure", "exposure"},
	{"secret_notes", "notes"},
}

// formFields are every field the form posts; anything else is refused, as
// an unknown JSON field is.
var formFields = func() map[string]bool {
	m := map[string]bool{FieldAPIKey: true, fieldAddSecret: true, fieldRemoveSecret: true, "system": true, "trigger": true,
		"environments": true, "deployment": true, "secret_store": true, "downtime_tolerance": true, "services": true,
		"owners": true, "constraints": true}
	for _, f := range secretFields {
		m[f.form] = true
	}
	return m
}()

// SecretRow is one secret's fields on the form.
type SecretRow struct {
	Index int
	// Values by the request's field name (name, kind, provider, ...).
	Values map[string]string
}

// FormError is one problem shown on the form: where (in words and as the
// request's JSON path) and what.
type FormError struct {
	Path    string
	Label   string
	Problem string
	// Field is the id of the form control it is about ("" when none).
	Field string
}

// FormState is the form as posted: the values to show again, the secret
// rows, the problems to show, and what the post asked for.
type FormState struct {
	Values  map[string]string
	Deploy  map[string]bool
	Secrets []SecretRow
	Errors  []FormError
	// Message heads the list of problems.
	Message string
	// Edit is true when the post only added or removed a secret row (a
	// browser without JavaScript): the form is shown again, nothing is sent.
	Edit bool
}

// NewFormState is an empty form: one secret row.
func NewFormState() FormState {
	return FormState{Values: map[string]string{}, Deploy: map[string]bool{}, Secrets: []SecretRow{{Index: 0, Values: map[string]string{}}}}
}

// FormText is one text of a posted form to screen, at the request path a
// person would recognise (secrets[1].notes, constraints[0]).
type FormText struct{ Path, Value string }

// Texts lists every text of a posted form to screen before anything reads
// it: every value but the API key (the caller's own key, never shown) and
// the row buttons, and the name of every field the form does not have.
// Rows and lines are numbered as posted: the form is emptied when one is
// refused, and the person knows the row by where it was.
func Texts(values url.Values) []FormText {
	var out []FormText
	secret := map[string]string{}
	for _, f := range secretFields {
		secret[f.form] = f.json
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !formFields[name] {
			out = append(out, FormText{Path: "(a field name)", Value: name})
		}
		switch {
		case name == FieldAPIKey || name == fieldAddSecret || name == fieldRemoveSecret:
		case secret[name] != "":
			for i, v := range values[name] {
				out = append(out, FormText{Path: fmt.Sprintf("secrets[%d].%s", i, secret[name]), Value: v})
			}
		case name == "services" || name == "owners" || name == "constraints":
			for _, v := range values[name] {
				for i, l := range lines(v) {
					out = append(out, FormText{Path: fmt.Sprintf("%s[%d]", name, i), Value: l})
				}
			}
		default:
			for _, v := range values[name] {
				out = append(out, FormText{Path: name, Value: v})
			}
		}
	}
	return out
}

// ParseForm reads a posted form. Unknown fields are problems (named, never
// quoted: a pasted secret may be the name), as in a JSON request. Empty
// secret rows, service, owner and constraint lines are dropped, so the
// request's indexes are the rows and lines shown again.
func ParseForm(values url.Values) (FormState, []runbook.FieldError) {
	st := NewFormState()
	var problems []runbook.FieldError
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !formFields[name] {
			problems = append(problems, runbook.FieldError{Path: name, Problem: "is not a field of the request form"})
		}
	}
	for _, k := range []string{"system", "trigger", "environments", "secret_store", "downtime_tolerance"} {
		st.Values[k] = strings.TrimSpace(values.Get(k))
	}
	for _, k := range []string{"services", "owners", "constraints"} {
		st.Values[k] = strings.Join(lines(values.Get(k)), "\n")
	}
	for _, d := range values["deployment"] {
		st.Deploy[d] = true
	}
	rows := 0
	for _, f := range secretFields {
		rows = max(rows, len(values[f.form]))
	}
	remove := -1
	if v := values.Get(fieldRemoveSecret); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			problems = append(problems, runbook.FieldError{Path: fieldRemoveSecret, Problem: "must be a row number"})
		} else {
			remove = n
		}
		st.Edit = true
	}
	st.Secrets = nil
	for i := range rows {
		row := SecretRow{Values: map[string]string{}}
		empty := true
		for _, f := range secretFields {
			if i < len(values[f.form]) {
				row.Values[f.json] = strings.TrimSpace(values[f.form][i])
				empty = empty && row.Values[f.json] == ""
			}
		}
		if empty || i == remove {
			continue
		}
		row.Index = len(st.Secrets)
		st.Secrets = append(st.Secrets, row)
	}
	if values.Get(fieldAddSecret) != "" {
		st.Edit = true
		st.Secrets = append(st.Secrets, SecretRow{Index: len(st.Secrets), Values: map[string]string{}})
	}
	return st, problems
}

// Request is the JSON request the form says, with the same field names as
// POST /runbooks takes: it goes through the same screen and validation.
func (st FormState) Request() ([]byte, error) {
	req := map[string]any{"system": st.Values["system"]}
	set := func(m map[string]any, k string, v any) {
		switch x := v.(type) {
		case string:
			if x == "" {
				return
			}
		case []string:
			if len(x) == 0 {
				return
			}
		case []map[string]any:
			if len(x) == 0 {
				return
			}
		}
		m[k] = v
	}
	set(req, "trigger", st.Values["trigger"])
	set(req, "environments", items(st.Values["environments"]))
	var deploy []string
	for _, d := range runbook.Deployments {
		if st.Deploy[string(d)] {
			deploy = append(deploy, string(d))
		}
	}
	// A value the form does not offer is kept, so validation names it.
	for _, d := range slices.Sorted(maps.Keys(st.Deploy)) {
		if !slices.Contains(deploy, d) {
			deploy = append(deploy, d)
		}
	}
	set(req, "deployment", deploy)
	set(req, "secret_store", st.Values["secret_store"])
	set(req, "downtime_tolerance", st.Values["downtime_tolerance"])
	secrets := []map[string]any{}
	for _, row := range st.Secrets {
		s := map[string]any{}
		for _, f := range secretFields {
			v := row.Values[f.json]
			if f.json == "consumers" || f.json == "environments" {
				set(s, f.json, items(v))
				continue
			}
			set(s, f.json, v)
		}
		if len(s) > 0 {
			secrets = append(secrets, s)
		}
	}
	req["secrets"] = secrets
	var services, owners []map[string]any
	for _, l := range lines(st.Values["services"]) {
		// As the form's script reads them: name, owner, criticality.
		p := append(items(l), "", "", "")
		s := map[string]any{"name": p[0]}
		set(s, "owner", p[1])
		set(s, "criticality", strings.ToLower(p[2]))
		services = append(services, s)
	}
	for _, l := range lines(st.Values["owners"]) {
		p := append(items(l), "", "")
		o := map[string]any{"name": p[0]}
		set(o, "role", strings.ToLower(p[1]))
		owners = append(owners, o)
	}
	set(req, "services", services)
	set(req, "owners", owners)
	set(req, "constraints", lines(st.Values["constraints"]))
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("web: encode the form's request: %w", err)
	}
	return b, nil
}

// Cleared is the form emptied, with its problems: what a person pasted is
// not shown again when it looks like a live secret (in any field: the
// screen also joins pieces across fields).
func (st FormState) Cleared() FormState {
	c := NewFormState()
	c.Errors, c.Message = st.Errors, st.Message
	return c
}

// WithErrors returns the form with message and the problems of fields (the
// request's JSON paths), each said in the form's words.
func (st FormState) WithErrors(message string, fields []runbook.FieldError) FormState {
	st.Message = message
	st.Errors = nil
	for _, f := range fields {
		label, field := fieldLabel(f.Path)
		st.Errors = append(st.Errors, FormError{Path: f.Path, Label: label, Problem: f.Problem, Field: field})
	}
	return st
}

// Invalid reports whether the control with id has a problem.
func (st FormState) Invalid(id string) bool {
	for _, e := range st.Errors {
		if e.Field == id {
			return true
		}
	}
	return false
}

// fieldLabel says a request path in the form's words, with the id of the
// control that holds it.
func fieldLabel(path string) (label, id string) {
	head, rest, _ := strings.Cut(path, ".")
	name, idx := head, -1
	if i := strings.IndexByte(head, '['); i > 0 && strings.HasSuffix(head, "]") {
		name = head[:i]
		if n, err := strconv.Atoi(head[i+1 : len(head)-1]); err == nil {
			idx = n
		}
	}
	top := map[string]string{"system": "System", "trigger": "Why", "environments": "Environments", "deployment": "How you deploy",
		"secret_store": "Where the secrets live", "downtime_tolerance": "Downtime you can accept", "services": "Services",
		"owners": "Teams", "constraints": "Constraints"}
	switch {
	case path == "":
		return "The request", ""
	case path == FieldAPIKey:
		return "API key", "api-key"
	case name == "secrets" && idx >= 0:
		field, _, _ := strings.Cut(rest, "[")
		label = fmt.Sprintf("Secret %d", idx+1)
		if field == "" {
			return label, fmt.Sprintf("secret-%d-name", idx)
		}
		return label + ", " + strings.ReplaceAll(field, "_", " "), fmt.Sprintf("secret-%d-%s", idx, field)
	case name == "secrets":
		return "Secrets", "secret-0-name"
	case (name == "services" || name == "owners" || name == "constraints") && idx >= 0:
		label = fmt.Sprintf("%s, line %d", top[name], idx+1)
		if rest != "" {
			label += " (" + rest + ")"
		}
		return label, name
	case top[name] != "":
		return top[name], name
	}
	return path, ""
}

func items(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
