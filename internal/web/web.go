// Package web is rotor's pages for people: the runbook page (readable and
// printable without JavaScript) and the request form. Pages are rendered with
// html/template, so every value is escaped by construction; they load nothing
// but rotor's own embedded assets, under a strict Content-Security-Policy.
package web

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

//go:embed templates/*.html static/*
var files embed.FS

// CSP is the Content-Security-Policy of every page: nothing but rotor's own
// scripts, styles and connections; no inline script or style, no frames, no
// plugins, forms post only to rotor.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Static is the embedded assets (style.css, form.js, progress.js).
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Pages renders rotor's HTML pages.
type Pages struct {
	runbook *template.Template
	form    *template.Template
	err     *template.Template
}

// New parses the embedded templates.
func New() (*Pages, error) {
	funcs := template.FuncMap{
		"title":         title,
		"sectionTitle":  func(id runbook.SectionID) string { return section.Title(id) },
		"join":          strings.Join,
		"time":          func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"inc":           func(i int) int { return i + 1 },
		"rich":          rich,
		"label":         label,
		"checked":       render.ShowsCheck,
		"credit":        render.Credit,
		"secretRow":     newSecretRowView,
		"rollbackLabel": render.RollbackLabel,
	}
	// appendix renders a section's appendix: its own template
	// (section-<id>, given the page), else its outline (a new section is
	// shown before anyone writes its view).
	var rb *template.Template
	funcs["appendix"] = func(id runbook.SectionID, v view) (template.HTML, error) {
		var b strings.Builder
		if rb.Lookup("section-"+string(id)) != nil {
			err := rb.ExecuteTemplate(&b, "section-"+string(id), v)
			return template.HTML(b.String()), err // #nosec G203 -- the template's own escaped output
		}
		sec, ok := section.ByID(id)
		if !ok || v.Runbook == nil {
			return "", fmt.Errorf("web: no section %q in the runbook", id)
		}
		nodes, err := render.Outline(sec.Value(&v.Runbook.Sections))
		if err != nil {
			return "", err
		}
		err = rb.ExecuteTemplate(&b, "outline", nodes)
		return template.HTML(b.String()), err // #nosec G203 -- the template's own escaped output
	}
	rb, err := template.New("runbook.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/runbook.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	form, err := template.New("form.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/form.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	errPage, err := template.New("error.html").Funcs(funcs).ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return &Pages{runbook: rb, form: form, err: errPage}, nil
}

// Error writes a page saying what went wrong, for a person.
func (p *Pages) Error(w io.Writer, title, message string) error {
	return p.err.Execute(w, struct{ Title, Message string }{title, message})
}

// Job is the progress of a runbook still being written.
type Job struct {
	Status string
	// Sections are the requested sections in document order with their
	// state: "pending" or where the section came from.
	Sections []SectionState
	Error    string
}

// SectionState is one section's progress.
type SectionState struct {
	ID    runbook.SectionID
	State string
}

// RunbookPage is what the runbook page shows: the runbook, or the progress
// of its job (then Events is where the page's script follows it).
type RunbookPage struct {
	ID      string
	Runbook *runbook.Runbook
	Job     *Job
	Events  string
	// View is render.ViewCard for the card alone; else the card comes with
	// the appendices behind it.
	View render.View
	// Download is the runbook's signed link (no key needed): the page
	// offers it with format=md and format=json appended, as files.
	Download string
}

// Section is one section in document order with how it was produced.
type Section struct {
	ID     runbook.SectionID
	Status runbook.SectionStatus
}

// view is the runbook template's data.
type view struct {
	RunbookPage
	// Card comes first on the page; the appendices follow unless CardOnly.
	Card     render.Card
	CardOnly bool
	// Waits maps a step's order to the open items it waits for.
	Waits    map[int][]string
	Sections []Section
	Errors   int
	Warnings int
}

// Runbook writes the runbook page.
func (p *Pages) Runbook(w io.Writer, page RunbookPage) error {
	v := view{RunbookPage: page}
	if rb := page.Runbook; rb != nil {
		v.Card, v.CardOnly = render.BuildCard(rb), page.View == render.ViewCard
		for _, st := range rb.Sections.RotationSequence.AllSteps() {
			if w := runbook.WaitingFor(rb.OpenItems, st); w != nil {
				if v.Waits == nil {
					v.Waits = map[int][]string{}
				}
				v.Waits[st.Order] = w
			}
		}
		for _, id := range section.IDs() {
			if section.Must(id).Present(&rb.Sections) {
				v.Sections = append(v.Sections, Section{ID: id, Status: rb.SectionStatus[id]})
			}
		}
		for _, f := range rb.Findings {
			if f.Severity == runbook.SeverityError {
				v.Errors++
			} else {
				v.Warnings++
			}
		}
	}
	return p.runbook.Execute(w, v)
}

// Form is the request form page's data.
type Form struct {
	// KeyRequired shows the API key field (the key is kept in the tab's
	// session storage only).
	KeyRequired bool
	Triggers    []runbook.Trigger
	Kinds       []runbook.Kind
	Exposures   []runbook.Exposure
	Deployments []runbook.Deployment
	Stores      []runbook.SecretStore
	Downtimes   []runbook.Downtime
	// State is what was posted, shown again with its problems (a browser
	// without JavaScript posts the form itself).
	State FormState
}

// Form writes the empty request form.
func (p *Pages) Form(w io.Writer, keyRequired bool) error {
	return p.FormWith(w, keyRequired, NewFormState())
}

// FormWith writes the request form holding st: its values, its secret rows
// and its problems, each next to the field it names.
func (p *Pages) FormWith(w io.Writer, keyRequired bool, st FormState) error {
	if len(st.Secrets) == 0 {
		st.Secrets = NewFormState().Secrets
	}
	return p.form.Execute(w, Form{KeyRequired: keyRequired, Triggers: runbook.Triggers, Kinds: runbook.Kinds, Exposures: runbook.Exposures,
		Deployments: runbook.Deployments, Stores: runbook.SecretStores, Downtimes: runbook.Downtimes, State: st})
}

// secretRowView is one secret row of the form: its values, the choices,
// and its problems. Index -1 is the row the script clones.
type secretRowView struct {
	Index     int
	Values    map[string]string
	Kinds     []runbook.Kind
	Exposures []runbook.Exposure
	state     FormState
}

func newSecretRowView(f Form, index int, values map[string]string) secretRowView {
	return secretRowView{Index: index, Values: values, Kinds: f.Kinds, Exposures: f.Exposures, state: f.State}
}

// Invalid reports whether this row's field has a problem.
func (r secretRowView) Invalid(field string) bool {
	return r.Index >= 0 && r.state.Invalid(fmt.Sprintf("secret-%d-%s", r.Index, field))
}

// labels spell the enum values whose words are not plain English words.
var labels = map[string]string{
	"ci_cd": "CI/CD", "vm": "VM", "aws_secrets_manager": "AWS Secrets Manager", "gcp_secret_manager": "GCP Secret Manager",
	"azure_key_vault": "Azure Key Vault", "env_vars": "Environment variables", "kubernetes_secrets": "Kubernetes Secrets",
	"api_key": "API key", "oauth_client_secret": "OAuth client secret", "tls_private_key": "TLS private key",
	"ssh_key": "SSH key", "vault": "Vault", "doppler": "Doppler", "infisical": "Infisical",
	"onepassword": "1Password",
}

// label is an enum value for a person.
func label(s any) string {
	if l, ok := labels[fmt.Sprint(s)]; ok {
		return l
	}
	return title(s)
}

func title(s any) string {
	str := fmt.Sprint(s)
	if str == "" {
		return str
	}
	return strings.ToUpper(str[:1]) + strings.ReplaceAll(str[1:], "_", " ")
}

// rich shows free text with its `code spans` as <code>: every part is
// escaped first, so only the <code> tags rotor adds are markup. Text with
// an unmatched backtick is shown as it is, escaped.
func rich(s string) template.HTML {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		return template.HTML(template.HTMLEscapeString(s))
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			// A command (more than one word) gets a copy button on the page.
			if strings.Contains(strings.TrimSpace(p), " ") {
				b.WriteString(`<code class="cmd">` + template.HTMLEscapeString(p) + "</code>")
			} else {
				b.WriteString("<code>" + template.HTMLEscapeString(p) + "</code>")
			}
			continue
		}
		b.WriteString(template.HTMLEscapeString(p))
	}
	return template.HTML(b.String())
}
