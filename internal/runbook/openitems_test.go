package runbook

import (
	"slices"
	"testing"
)

func TestOpenItemsHoldTheStepsTheyName(t *testing.T) {
	rs := &RotationSequence{Tracks: []Track{{Steps: []Step{
		{Order: 1, Phase: PhaseFreeze},
		{Order: 2, SecretID: "stripe", Phase: PhaseCreate},
		{Order: 3, SecretID: "stripe", Phase: PhaseRevoke},
		{Order: 4, SecretID: "pg", Phase: PhaseCreate},
		{Order: 12, SecretID: "pg", Phase: PhaseStore},
	}}}}
	items := []OpenItem{
		{ID: "o1", Blocks: []string{"stripe"}},
		{ID: "o2", Blocks: []string{"s4", "s1"}},
		{ID: "o3", Blocks: []string{}},
		{ID: "o4", Blocks: []string{"s2", "stripe"}},
	}
	for _, tc := range []struct {
		item OpenItem
		want []int
	}{
		{items[0], []int{2, 3}},
		{items[1], []int{1, 4}}, // "s1" is step 1, not step 12
		{items[2], nil},
		{items[3], []int{2, 3}},
	} {
		if got := tc.item.HeldSteps(rs); !slices.Equal(got, tc.want) {
			t.Errorf("%s holds %v, want %v", tc.item.ID, got, tc.want)
		}
	}
	if got := WaitingFor(items, rs.Tracks[0].Steps[1]); !slices.Equal(got, []string{"o1", "o4"}) {
		t.Errorf("step 2 waits for %v", got)
	}
	if got := WaitingFor(items, rs.Tracks[0].Steps[4]); got != nil {
		t.Errorf("step 12 waits for %v", got)
	}
}
