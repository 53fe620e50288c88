package intake

import "github.com/rotor-dev/rotor/internal/catalog"

// CheckNames reports whether the names lexicon still resolves against cat,
// an organisation's catalogue merged over the built-in one (ROTOR_CATALOG_DIR):
// a lexicon spelling of a provider the organisation replaced, or one its
// aliases now collide with, is a start-up error naming the problem rather
// than a panic at the first request.
func CheckNames(cat *catalog.Catalog) error {
	_, err := NewNames(cat, namesYAML)
	return err
}
