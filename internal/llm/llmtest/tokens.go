package llmtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"

	tiktoken "github.com/pkoukk/tiktoken-go"
	tiktokenloader "github.com/pkoukk/tiktoken-go-loader"
)

// Tokenizer counts tokens as OpenAI's current models do (o200k_base: gpt-4o,
// gpt-4.1, gpt-5, o-series), offline: the encoding ships inside the
// tiktoken-go-loader module, nothing is downloaded.
//
// Encoding is slow (about 1.3 MB a second), and a fake model sees the same
// texts again and again (the same system prompt, data blocks sharing most of
// their lines, the same correct answers), so counts are memoized: whole
// texts, and prompts line by line. A line boundary is a boundary of
// o200k_base's pre-tokenizer (its pieces never span "\n" followed by
// anything but whitespace holding another line break, or "/"), so the sum of
// the lines' counts is the text's count (TestLineCountsAddUp).
type Tokenizer struct {
	enc *tiktoken.Tiktoken

	mu    sync.Mutex
	memo  map[string]int
	bytes int
}

// memoBytes bounds the memoized texts: past it the memo starts over.
const memoBytes = 256 << 20

// sharedTokenizer loads the encoding once per process: it takes about 0.4 s
// and some 100 MB, and the tables never change. Every fake server and
// benchmark counts with it.
var sharedTokenizer = sync.OnceValues(func() (*Tokenizer, error) {
	tiktoken.SetBpeLoader(tiktokenloader.NewOfflineLoader())
	enc, err := tiktoken.GetEncoding(tiktoken.MODEL_O200K_BASE)
	if err != nil {
		return nil, fmt.Errorf("llmtest: o200k_base: %w", err)
	}
	return &Tokenizer{enc: enc, memo: map[string]int{}}, nil
})

// O200k returns the process's o200k_base tokenizer. It panics if the
// embedded encoding cannot be loaded (a broken module, never a test's
// input).
func O200k() *Tokenizer {
	t, err := sharedTokenizer()
	if err != nil {
		panic(err)
	}
	return t
}

// Count is the number of tokens of text, counted whole.
func (t *Tokenizer) Count(text string) int {
	if text == "" {
		return 0
	}
	t.mu.Lock()
	n, ok := t.memo[text]
	t.mu.Unlock()
	if ok {
		return n
	}
	n = len(t.enc.EncodeOrdinary(text))
	t.mu.Lock()
	if t.bytes+len(text) > memoBytes {
		t.memo, t.bytes = map[string]int{}, 0
	}
	t.memo[text] = n
	t.bytes += len(text)
	t.mu.Unlock()
	return n
}

// Lines cuts text at the pre-tokenizer boundaries after line breaks; the
// pieces, concatenated, are text.
func Lines(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '\n' || i+1 >= len(text) || !boundaryAfter(text, i+1) {
			continue
		}
		out = append(out, text[start:i+1])
		start = i + 1
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// boundaryAfter reports whether a piece of o200k_base's pre-tokenizer
// starts at text[i], just after a line break: the line break ends its piece
// unless what follows is "/" (absorbed after punctuation) or whitespace
// holding another line break (one piece of blank lines).
func boundaryAfter(text string, i int) bool {
	if text[i] == '/' {
		return false
	}
	for j := i; j < len(text); j++ {
		switch text[j] {
		case '\n', '\r':
			return false
		case ' ', '\t', '\v', '\f':
			continue
		}
		return true
	}
	return true
}

// CountLines is Count summed over the text's lines: the same number, fast
// for texts that share most of their lines with texts seen before.
func (t *Tokenizer) CountLines(text string) int {
	n := 0
	for _, l := range Lines(text) {
		n += t.Count(l)
	}
	return n
}

// Message overheads of OpenAI's chat format: each message is framed by a few
// special tokens (role and separators), and the answer is primed with three
// more (OpenAI's cookbook counts 3 per message and 3 per request for its
// current models). The structured-output schema is given to the model in a
// header of its own; its framing is counted like a message's.
const (
	messageOverhead = 3
	replyPriming    = 3
)

// Prompt is what a provider counts as a request's input, in the order its
// prompt cache sees it: the response_format schema first (OpenAI puts the
// structured-output schema before the messages), then each message.
type Prompt struct {
	// Schema is the json_schema's name and schema, compact ("" in
	// json_object mode).
	Schema string
	// Messages are the messages' contents, in order.
	Messages []string
}

// PromptOf is the prompt of a recorded request.
func PromptOf(r Recorded) Prompt {
	p := Prompt{Messages: []string{r.System, r.User}}
	if r.Schema != nil {
		var compact strings.Builder
		data, _ := json.Marshal(json.RawMessage(r.Schema))
		compact.WriteString(r.WireName)
		compact.WriteString("\n")
		compact.Write(data)
		compact.WriteString("\n")
		p.Schema = compact.String()
	}
	return p
}

// pieces are the prompt's texts in cache order, each cut in lines.
func (p Prompt) pieces() []string {
	var out []string
	if p.Schema != "" {
		out = append(out, Lines(p.Schema)...)
	}
	for _, m := range p.Messages {
		out = append(out, Lines(m)...)
	}
	return out
}

// Tokens is the prompt's input tokens as the provider reports them.
func (t *Tokenizer) Tokens(p Prompt) int {
	n := replyPriming
	if p.Schema != "" {
		n += messageOverhead + t.CountLines(p.Schema)
	}
	for _, m := range p.Messages {
		n += messageOverhead + t.CountLines(m)
	}
	return n
}

// Prompt caching as OpenAI documents it: a prompt of at least 1,024 tokens
// is cached in 128-token blocks from its start, so a later prompt sharing
// that prefix (the schema first, then the messages) reads those blocks from
// the cache.
const (
	CacheMinTokens   = 1024
	CacheBlockTokens = 128
)

// PrefixCache remembers the prompts it was shown and says how many tokens
// of a new one a provider's prompt cache could serve: its longest prefix
// shared with an earlier prompt (counted to the last whole line), in
// 128-token blocks, none under 1,024 tokens. Safe for concurrent use.
type PrefixCache struct {
	tok *Tokenizer

	mu   sync.Mutex
	seen map[uint64]struct{}
}

// NewPrefixCache returns an empty cache counting with tok.
func NewPrefixCache(tok *Tokenizer) *PrefixCache {
	return &PrefixCache{tok: tok, seen: map[uint64]struct{}{}}
}

// maxPrefixes bounds the remembered prefixes: past it the cache starts over
// (as a provider's evicts).
const maxPrefixes = 4 << 20

// Cached is the number of p's input tokens an earlier prompt's cache could
// serve; it then remembers p.
func (c *PrefixCache) Cached(p Prompt) int {
	n, remember := c.Lookup(p)
	remember()
	return n
}

// Lookup is the number of p's input tokens an earlier prompt's cache could
// serve, and the function that remembers p: a provider caches a prompt's
// prefix once it has read it (its prefill), so a prompt sent while another
// with the same prefix is still being read finds nothing cached.
func (c *PrefixCache) Lookup(p Prompt) (int, func()) {
	// Every prefix ending at a line boundary, by hash, with its tokens.
	lines := p.pieces()
	h := fnv.New64a()
	hashes := make([]uint64, len(lines))
	counts := make([]int, len(lines))
	tokens := 0
	// The schema's framing, then each message's, counted where it starts.
	framing := map[int]int{}
	at := 0
	if p.Schema != "" {
		framing[0] = messageOverhead
		at += len(Lines(p.Schema))
	}
	for _, m := range p.Messages {
		framing[at] += messageOverhead
		at += len(Lines(m))
	}
	for i, l := range lines {
		_, _ = h.Write([]byte(l))
		hashes[i] = h.Sum64()
		tokens += framing[i] + c.tok.Count(l)
		counts[i] = tokens
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	shared := 0
	for i := len(lines) - 1; i >= 0; i-- {
		if _, ok := c.seen[hashes[i]]; ok {
			shared = counts[i]
			break
		}
	}
	return CacheableTokens(shared), func() { c.remember(hashes) }
}

func (c *PrefixCache) remember(hashes []uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen)+len(hashes) > maxPrefixes {
		c.seen = map[uint64]struct{}{}
	}
	for _, x := range hashes {
		c.seen[x] = struct{}{}
	}
}

// Reset forgets every prompt.
func (c *PrefixCache) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = map[uint64]struct{}{}
}

// CacheableTokens is the part of a shared prefix of n tokens a provider
// caches: whole 128-token blocks, none under 1,024 tokens.
func CacheableTokens(n int) int {
	if n < CacheMinTokens {
		return 0
	}
	return n / CacheBlockTokens * CacheBlockTokens
}
