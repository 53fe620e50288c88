package lint

import (
	"sync"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// textMemo remembers what the catalogue finds in a text (its products, its
// side effects). Both are pure functions of the text and the catalogue, and
// one generation lints the same step texts many times over (each answer is
// judged in the offline runbook, then the whole runbook is linted again):
// with the memo each text is matched once.
type textMemo struct {
	cat      *catalog.Catalog
	products sync.Map // text -> *catalog.Text
	effects  sync.Map // text -> []catalog.EffectUse
	actions  sync.Map // text -> actionWords
}

// WithSectionMemo returns a linter that remembers, per rotation sequence
// (by its pointer), the steps the rules read (the notes read back into
// them, in order, per secret), for the life of the returned linter. Only
// for sections never changed once linted: one generation writes each
// section once and lints the offline sequence with every other answer.
func (l *Linter) WithSectionMemo() *Linter {
	c := *l
	c.seqs = &sync.Map{}
	return &c
}

// stepsOf is readSteps(seq), remembered per sequence in seqs when set.
func stepsOf(seqs *sync.Map, seq *runbook.RotationSequence) ([]runbook.Step, map[string][]runbook.Step) {
	if seqs == nil || seq == nil {
		r := readSteps(seq)
		return r.steps, r.bySecret
	}
	if v, ok := seqs.Load(seq); ok {
		r := v.(*sequenceSteps)
		return r.steps, r.bySecret
	}
	v, _ := seqs.LoadOrStore(seq, readSteps(seq))
	r := v.(*sequenceSteps)
	return r.steps, r.bySecret
}

// action is what an action text says, if remembered (a nil memo
// remembers nothing).
func (m *textMemo) action(text string) (actionWords, bool) {
	if m == nil {
		return actionWords{}, false
	}
	v, ok := m.actions.Load(text)
	if !ok {
		return actionWords{}, false
	}
	return v.(actionWords), true
}

// storeAction remembers what an action text says.
func (m *textMemo) storeAction(text string, w actionWords) {
	if m != nil {
		m.actions.Store(text, w)
	}
}

// WithTextMemo returns a linter that matches each text against the
// catalogue once, for the life of the returned linter (one generation: the
// catalogue is the one in force now).
func (l *Linter) WithTextMemo() *Linter {
	c := *l
	c.memo = &textMemo{cat: catalog.Default()}
	return &c
}

// productText is cat.Text(text), remembered when the linter has a memo
// for this catalogue (which products a text uses is then worked out once
// per text and product).
func (c *context) productText(cat *catalog.Catalog, text string) *catalog.Text {
	m := c.memo
	if m == nil || m.cat != cat {
		return cat.Text(text)
	}
	if v, ok := m.products.Load(text); ok {
		return v.(*catalog.Text)
	}
	v, _ := m.products.LoadOrStore(text, cat.Text(text))
	return v.(*catalog.Text)
}

// effectsIn is cat.EffectsIn(text), remembered like productText.
func (c *context) effectsIn(cat *catalog.Catalog, text string) []catalog.EffectUse {
	m := c.memo
	if m == nil || m.cat != cat {
		return cat.EffectsIn(text)
	}
	if v, ok := m.effects.Load(text); ok {
		return v.([]catalog.EffectUse)
	}
	out := cat.EffectsIn(text)
	m.effects.Store(text, out)
	return out
}
