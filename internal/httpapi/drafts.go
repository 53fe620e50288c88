package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// catalogDrafts is the answer of GET /runbooks/{id}/catalog-drafts.
type catalogDrafts struct {
	RunbookID string                 `json:"runbook_id"`
	Drafts    []runbook.CatalogDraft `json:"drafts"`
}

// handleCatalogDrafts returns the catalogue entries a model drafted for a
// runbook's providers the catalogue lacks: JSON by default, or the provider
// files themselves (YAML documents, `Accept: application/yaml` or
// `?format=yaml`) for the platform team to review and commit to the
// catalogue directory. Ownership is GET /runbooks/{id}'s.
func handleCatalogDrafts(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		if !readable(c, d, id) {
			return
		}
		yamlOut := false
		switch f := strings.ToLower(c.Query("format")); f {
		case "", "json":
			yamlOut = f == "" && strings.Contains(c.GetHeader("Accept"), "yaml")
		case "yaml":
			yamlOut = true
		default:
			writeError(c, d.Logger, &runbook.Error{Code: runbook.CodeInvalid, Message: "unknown format",
				Fields: []runbook.FieldError{{Path: "format", Problem: `"` + f + `" must be one of json, yaml`}}})
			return
		}
		rb, err := d.Runbooks.Load(c.Request.Context(), id)
		if err != nil {
			writeError(c, d.Logger, err)
			return
		}
		drafts := rb.CatalogDrafts
		if drafts == nil {
			drafts = []runbook.CatalogDraft{}
		}
		if yamlOut {
			var docs []string
			for _, dr := range drafts {
				docs = append(docs, dr.YAML)
			}
			c.Data(http.StatusOK, "application/yaml; charset=utf-8", []byte(strings.Join(docs, "---\n")))
			return
		}
		c.JSON(http.StatusOK, catalogDrafts{RunbookID: id, Drafts: drafts})
	}
}
