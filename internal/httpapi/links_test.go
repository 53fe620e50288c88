package httpapi

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignedLinks(t *testing.T) {
	key := []byte(strings.Repeat("k", MinLinkKeyBytes))
	now := time.Unix(1_800_000_000, 0)
	l, err := NewLinks(key, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	l.now = func() time.Time { return now }
	other, _ := NewLinks([]byte(strings.Repeat("o", MinLinkKeyBytes)), time.Hour)
	other.now = l.now
	parse := func(link string) (id, exp, sig string) {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(u.Path, "/r/"), u.Query().Get("exp"), u.Query().Get("sig")
	}
	id, exp, sig := parse(l.Page("rb_abc"))
	_, _, otherSig := parse(other.Page("rb_abc"))
	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	cases := []struct {
		name         string
		id, exp, sig string
		after        time.Duration
		want         error
	}{
		{"as signed", id, exp, sig, 0, nil},
		{"just before expiry", id, exp, sig, time.Hour, nil},
		{"expired", id, exp, sig, time.Hour + time.Second, errLinkExpired},
		{"another runbook", "rb_abd", exp, sig, 0, errLinkInvalid},
		{"expiry pushed back", id, "9" + exp, sig, 0, errLinkInvalid},
		{"signature altered", id, exp, flip(sig), 0, errLinkInvalid},
		{"signed with another key", id, exp, otherSig, 0, errLinkInvalid},
		{"no signature", id, exp, "", 0, errLinkInvalid},
		{"no expiry", id, "", sig, 0, errLinkInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l.now = func() time.Time { return now.Add(c.after) }
			if err := l.Check(c.id, c.exp, c.sig); err != c.want {
				t.Errorf("Check = %v, want %v", err, c.want)
			}
		})
	}
	if _, err := NewLinks([]byte("short"), time.Hour); err == nil {
		t.Error("a short key was accepted")
	}
}
