package catalog

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Template is a credential shape many vendors share, such as an API key
// listed on a settings page where several can be live at once. A provider's
// entry names it and gives the vendor's own words (where keys are managed,
// the call that proves one works, where use is logged) as params; the
// entry's own fields win over the template's.
type Template struct {
	ID  string `yaml:"id"`
	Doc string `yaml:"doc"`
	// Params are the [[name]] slots an entry must fill; Defaults fill the
	// others unless the entry does.
	Params   []string          `yaml:"params"`
	Defaults map[string]string `yaml:"defaults"`
	Entry    Credential        `yaml:"entry"`
}

var slotRE = regexp.MustCompile(`\[\[([a-z_]+)\]\]`)

// Template returns the template with the id, or nil.
func (c *Catalog) Template(id string) *Template {
	for _, t := range c.Templates {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// expandTemplates replaces every entry of providers that names a template
// by the template filled with the entry's fields and params.
func (c *Catalog) expandTemplates(providers []*Provider) []string {
	var out []string
	for _, p := range providers {
		for i := range p.Credentials {
			cr := &p.Credentials[i]
			if cr.Template == "" {
				continue
			}
			where := fmt.Sprintf("provider %s credential %s", p.ID, cr.ID)
			t := c.Template(cr.Template)
			if t == nil {
				out = append(out, fmt.Sprintf("%s: template %q is not in templates.yaml", where, cr.Template))
				continue
			}
			filled, problems := t.fill(*cr)
			for _, pr := range problems {
				out = append(out, where+": "+pr)
			}
			*cr = filled
		}
	}
	return out
}

// fill builds an entry from the template and cr: cr's non-zero fields win,
// its actions override the template's one by one, its quirks come after
// the template's, then every [[slot]] is filled from cr.Params and the
// defaults.
func (t *Template) fill(cr Credential) (Credential, []string) {
	out := t.Entry
	out.Actions = t.Entry.Actions
	out.Quirks = append([]string{}, t.Entry.Quirks...)
	dst := reflect.ValueOf(&out).Elem()
	src := reflect.ValueOf(cr)
	for i := 0; i < src.NumField(); i++ {
		f := src.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		switch f.Name {
		case "Actions":
			da, sa := out.Actions.Texts(), cr.Actions.Texts()
			for j := range sa {
				if *sa[j] != "" {
					*da[j] = *sa[j]
				}
			}
		case "Quirks":
			out.Quirks = append(out.Quirks, cr.Quirks...)
		default:
			if !src.Field(i).IsZero() {
				dst.Field(i).Set(src.Field(i))
			}
		}
	}
	params := map[string]string{}
	for k, v := range t.Defaults {
		params[k] = v
	}
	var problems []string
	for k, v := range cr.Params {
		if _, known := t.Defaults[k]; !known && !runbook.OneOf(t.Params, k) {
			problems = append(problems, fmt.Sprintf("params.%s is not a slot of template %s (slots: %s)", k, t.ID, strings.Join(t.slots(), ", ")))
		}
		params[k] = v
	}
	for _, k := range t.Params {
		if strings.TrimSpace(params[k]) == "" {
			problems = append(problems, fmt.Sprintf("params.%s is required by template %s", k, t.ID))
		}
	}
	fillText := func(s *string) {
		for range 3 { // a param may name another slot ([[key]] in a console path)
			*s = slotRE.ReplaceAllStringFunc(*s, func(m string) string {
				if v, ok := params[m[2:len(m)-2]]; ok {
					return v
				}
				return m
			})
		}
		for _, m := range slotRE.FindAllStringSubmatch(*s, -1) {
			problems = append(problems, fmt.Sprintf("slot [[%s]] of template %s is not filled", m[1], t.ID))
		}
	}
	for _, s := range out.Actions.Texts() {
		fillText(s)
	}
	for _, s := range []*string{&out.Title, &out.Overlap, &out.Failures} {
		fillText(s)
	}
	for i := range out.Quirks {
		fillText(&out.Quirks[i])
	}
	out.Template, out.Params = cr.Template, cr.Params
	return out, problems
}

// slots lists the template's params and defaults.
func (t *Template) slots() []string {
	out := append([]string{}, t.Params...)
	for k := range t.Defaults {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
