package runbook

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	// Time zones must resolve the same on every machine, distroless included.
	_ "time/tzdata"
)

// Weekdays in the order TimeSpec.Days are normalised to.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// dayWords maps the spellings a request may use to weekdays.
var dayWords = map[string][]string{
	"weekdays": {"mon", "tue", "wed", "thu", "fri"}, "weekday": {"mon", "tue", "wed", "thu", "fri"},
	"weekends": {"sat", "sun"}, "weekend": {"sat", "sun"},
	"daily": nil, "every day": nil, "everyday": nil,
}

// ParseDay reads one day word ("Tue", "tuesday", "Tuesdays", "weekdays");
// ok is false for an unknown word. A nil list with ok means every day.
func ParseDay(s string) ([]string, bool) {
	w := strings.ToLower(strings.TrimSpace(s))
	if days, ok := dayWords[w]; ok {
		return days, true
	}
	w = strings.TrimSuffix(w, "s")
	for _, d := range Weekdays {
		full := map[string]string{"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday"}[d]
		if w == d || w == full || (len(w) >= 3 && strings.HasPrefix(full, w)) {
			return []string{d}, true
		}
	}
	return nil, false
}

// NormalizeDays turns day words into a sorted, unique list of weekdays; an
// empty result means every day.
func NormalizeDays(words []string) []string {
	set := map[string]bool{}
	every := false
	for _, w := range words {
		days, ok := ParseDay(w)
		if !ok {
			continue
		}
		if days == nil {
			every = true
		}
		for _, d := range days {
			set[d] = true
		}
	}
	if every || len(set) == 7 {
		return []string{}
	}
	out := []string{}
	for _, d := range Weekdays {
		if set[d] {
			out = append(out, d)
		}
	}
	return out
}

// ParseClock reads "HH:MM" (24-hour) into minutes after midnight; "24:00" is
// the end of the day.
func ParseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(m) != 2 || len(h) == 0 || len(h) > 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// FormatClock writes minutes after midnight as HH:MM.
func FormatClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// zoneAliases are abbreviations people write, mapped to a zone that observes
// them (so daylight saving is taken into account).
var zoneAliases = map[string]string{
	"utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC",
	"cet": "Europe/Paris", "cest": "Europe/Paris", "bst": "Europe/London", "wet": "Europe/Lisbon", "eet": "Europe/Athens",
	"et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
	"ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago",
	"mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
	"pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
	"ist": "Asia/Kolkata", "jst": "Asia/Tokyo", "sgt": "Asia/Singapore", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
}

// LoadZone resolves a time zone name: an IANA name ("Europe/Berlin"), UTC, or
// a common abbreviation ("CET", "PST"). The second result is the canonical
// name.
func LoadZone(name string) (*time.Location, string, error) {
	n := strings.TrimSpace(name)
	if n == "" {
		return time.UTC, "UTC", nil
	}
	if alias, ok := zoneAliases[strings.ToLower(n)]; ok {
		n = alias
	}
	loc, err := time.LoadLocation(n)
	if err != nil || strings.EqualFold(n, "local") {
		return nil, "", fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Berlin, or UTC", name)
	}
	return loc, n, nil
}

func (v *problems) timeSpec(path string, ts TimeSpec) {
	for i, d := range ts.Days {
		if _, ok := ParseDay(d); !ok {
			v.add(fmt.Sprintf("%s.days[%d]", path, i), fmt.Sprintf("%q is not a day (mon … sun, weekdays, weekends or daily)", d))
		}
	}
	if len(ts.Days) > 7 {
		v.add(path+".days", fmt.Sprintf("has %d entries, at most 7 are allowed", len(ts.Days)))
	}
	start, okS := ParseClock(ts.Start)
	if !okS {
		v.add(path+".start", fmt.Sprintf("%q must be a 24-hour time HH:MM", ts.Start))
	}
	end, okE := ParseClock(ts.End)
	if !okE {
		v.add(path+".end", fmt.Sprintf("%q must be a 24-hour time HH:MM", ts.End))
	}
	if okS && okE && start == end {
		v.add(path+".end", "must differ from start (an end before the start crosses midnight)")
	}
	if ts.TZ != "" {
		if _, _, err := LoadZone(ts.TZ); err != nil {
			v.add(path+".tz", err.Error())
		}
	}
	for _, d := range []struct{ name, value string }{{"from", ts.From}, {"until", ts.Until}} {
		if d.value != "" && !ValidDate(d.value) {
			v.add(path+"."+d.name, fmt.Sprintf("%q must be a date YYYY-MM-DD (or --MM-DD for every year)", d.value))
		}
	}
	if ValidDate(ts.From) && ValidDate(ts.Until) && strings.HasPrefix(ts.From, "--") == strings.HasPrefix(ts.Until, "--") &&
		!strings.HasPrefix(ts.From, "--") && ts.Until < ts.From {
		v.add(path+".until", fmt.Sprintf("%q is before from %q", ts.Until, ts.From))
	}
	v.text(path+".note", ts.Note, false)
	v.text(path+".tz", ts.TZ, false)
	if ts.EndDay != "" {
		d, ok := ParseDay(ts.EndDay)
		switch {
		case !ok || len(d) != 1:
			v.add(path+".end_day", fmt.Sprintf("%q is not one weekday (mon … sun)", ts.EndDay))
		case len(ts.Days) != 1:
			v.add(path+".end_day", "needs exactly one day in days: the day the span starts")
		}
	}
	for i, n := range ts.DaysOfMonth {
		if n == 0 || n < -7 || n > 31 {
			v.add(fmt.Sprintf("%s.days_of_month[%d]", path, i), fmt.Sprintf("%d must be 1 to 31, or -1 (the last day) to -7", n))
		}
	}
	for i, d := range ts.Dates {
		if !ValidDate(d) || strings.HasPrefix(d, "--") {
			v.add(fmt.Sprintf("%s.dates[%d]", path, i), fmt.Sprintf("%q must be a date YYYY-MM-DD", d))
		}
	}
	v.count(path+".dates", len(ts.Dates), 31)
	v.scope(path+".scope", ts.Scope)
}

func (v *problems) scope(path string, words []string) {
	v.count(path, len(words), MaxSecrets)
	for i, w := range words {
		v.text(fmt.Sprintf("%s[%d]", path, i), w, true)
	}
}

func (v *problems) deadlineSpec(path string, d DeadlineSpec) {
	if !ValidDate(d.Date) || strings.HasPrefix(d.Date, "--") {
		v.add(path+".date", fmt.Sprintf("%q must be a date YYYY-MM-DD", d.Date))
	}
	if at, ok := ParseClock(d.At); !ok || at == 1440 {
		v.add(path+".at", fmt.Sprintf("%q must be a 24-hour time HH:MM", d.At))
	}
	if d.TZ != "" {
		if _, _, err := LoadZone(d.TZ); err != nil {
			v.add(path+".tz", err.Error())
		}
	}
	v.text(path+".note", d.Note, false)
	v.scope(path+".scope", d.Scope)
}

func (v *problems) ruleSpec(path string, r RuleSpec) {
	if !OneOf(RuleKinds, r.Kind) {
		v.add(path+".kind", fmt.Sprintf("%q must be one of %s", r.Kind, strings.Join(RuleKinds, ", ")))
	}
	switch r.Kind {
	case "change_path":
		if !OneOf(RuleTools, r.Tool) {
			v.add(path+".tool", fmt.Sprintf("%q must be one of %s", r.Tool, strings.Join(RuleTools, ", ")))
		}
	case "duty":
		if !OneOf(Parties, r.Party) {
			v.add(path+".party", fmt.Sprintf("%q must be one of %s", r.Party, strings.Join(Parties, ", ")))
		}
		if r.Within != "" {
			if d, err := time.ParseDuration(r.Within); err != nil || d <= 0 {
				v.add(path+".within", fmt.Sprintf("%q must be a duration such as 72h", r.Within))
			}
		}
	case "freeze":
		if !OneOf(Activities, r.Activity) {
			v.add(path+".activity", fmt.Sprintf("%q must be one of %s", r.Activity, strings.Join(Activities, ", ")))
		}
	}
	for _, f := range []struct{ name, value, kind string }{{"tool", r.Tool, "change_path"}, {"party", r.Party, "duty"}, {"within", r.Within, "duty"},
		{"activity", r.Activity, "freeze"}, {"until", r.Until, "freeze"}, {"ticket", r.Ticket, "approval"}} {
		if f.value != "" && r.Kind != f.kind && OneOf(RuleKinds, r.Kind) {
			v.add(path+"."+f.name, fmt.Sprintf("applies to kind %s only, not %s", f.kind, r.Kind))
		}
	}
	if r.Ticket != "" && !ValidTicket(r.Ticket) {
		v.add(path+".ticket", fmt.Sprintf("%q must be a ticket id: letters, digits, '-', '#', '.', '_' and single spaces, at most 64 characters (CHG0012345, SEC-812, RFC 2211)", r.Ticket))
	}
	v.text(path+".until", r.Until, false)
	v.text(path+".note", r.Note, false)
	v.scope(path+".scope", r.Scope)
}

// ValidTicket reports a change ticket id as rules[].ticket may give it.
func ValidTicket(s string) bool {
	if s == "" || len(s) > 64 || strings.TrimSpace(s) != s || strings.Contains(s, "  ") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-#._ ", r)) {
			return false
		}
	}
	return true
}
