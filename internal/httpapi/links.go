package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Links signs and checks the links that open one runbook without an API key
// (Slack's "Full runbook", the request form's landing page):
// /r/{id}?exp=<unix seconds>&sig=<HMAC-SHA256 of the id and exp>. A link
// opens only the runbook it names, until it expires; anyone holding it can
// read that runbook, so it is only handed to whoever could read it already.
type Links struct {
	key []byte
	ttl time.Duration
	now func() time.Time
	// signed remembers the last query signed per id: every answer carries
	// its runbook's link, and the signature only changes with the second.
	mu     sync.Mutex
	signed map[string]signedQuery
}

type signedQuery struct {
	exp   int64
	query string
}

// maxSigned bounds the remembered links.
const maxSigned = 4096

// MinLinkKeyBytes is the shortest signing key accepted.
const MinLinkKeyBytes = 32

// NewLinks signs with key; links live ttl.
func NewLinks(key []byte, ttl time.Duration) (*Links, error) {
	if len(key) < MinLinkKeyBytes {
		return nil, errors.New("the link key must be at least 32 bytes")
	}
	if ttl <= 0 {
		return nil, errors.New("the link lifetime must be positive")
	}
	return &Links{key: append([]byte(nil), key...), ttl: ttl, now: time.Now}, nil
}

func (l *Links) mac(id string, exp int64) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte("rotor-link-v1\n" + id + "\n" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// query returns the signed query string of a link to id.
func (l *Links) query(id string) string {
	exp := l.now().Add(l.ttl).Unix()
	l.mu.Lock()
	if q, ok := l.signed[id]; ok && q.exp == exp {
		l.mu.Unlock()
		return q.query
	}
	l.mu.Unlock()
	q := url.Values{"exp": {strconv.FormatInt(exp, 10)}, "sig": {l.mac(id, exp)}}.Encode()
	l.mu.Lock()
	if l.signed == nil || len(l.signed) >= maxSigned {
		l.signed = map[string]signedQuery{}
	}
	l.signed[id] = signedQuery{exp, q}
	l.mu.Unlock()
	return q
}

// Page is the signed path of the runbook page of id.
func (l *Links) Page(id string) string { return "/r/" + url.PathEscape(id) + "?" + l.query(id) }

// Events is the signed path of the event stream of id.
func (l *Links) Events(id string) string {
	return "/r/" + url.PathEscape(id) + "/events?" + l.query(id)
}

// Errors of Check; neither says more than "refused" to the client.
var (
	errLinkInvalid = errors.New("the link is not valid")
	errLinkExpired = errors.New("the link has expired")
)

// Check verifies a link's exp and sig for id.
func (l *Links) Check(id, exp, sig string) error {
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || sig == "" {
		return errLinkInvalid
	}
	if !hmac.Equal([]byte(sig), []byte(l.mac(id, n))) {
		return errLinkInvalid
	}
	if l.now().Unix() > n {
		return errLinkExpired
	}
	return nil
}
