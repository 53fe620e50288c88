package llm

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// pipeTransport dials an in-memory pipe whose server side is serve.
func pipeTransport(serve func(net.Conn)) *http.Transport {
	return &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		client, server := net.Pipe()
		go serve(server)
		return client, nil
	}}
}

// TestReachCountsOnlyWholeRequests: a request counts as having reached the
// model only once all of it was written. One whose write failed half-way (the
// attempt timed out or the connection dropped while the body was still being
// sent) never reached a handler: a server neither answers nor bills half a
// request. Counting it made usage report a call the model's log never had
// (TestDefectMatrix's slow cells, "12 calls against a log of 11" under load).
func TestReachCountsOnlyWholeRequests(t *testing.T) {
	body := strings.Repeat(`{"role":"user","content":"x"}`, 8192) // far beyond any buffer
	rows := []struct {
		name  string
		serve func(net.Conn)
		want  int
	}{
		{"the server reads the headers, then the connection drops", func(c net.Conn) {
			r := bufio.NewReaderSize(c, 512)
			for {
				line, err := r.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
			}
			c.Close()
		}, 0},
		{"the server reads the whole request and answers", func(c net.Conn) {
			defer c.Close()
			req, err := http.ReadRequest(bufio.NewReader(c))
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, req.Body)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
		}, 1},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			ctx, reached := WithReachCounter(context.Background())
			tr := reachedTransport{inner: pipeTransport(row.serve)}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://model.invalid/v1/chat/completions", bytes.NewBufferString(body))
			if err != nil {
				t.Fatal(err)
			}
			if resp, err := tr.RoundTrip(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if got := reached(); got != row.want {
				t.Errorf("reached %d, want %d", got, row.want)
			}
		})
	}
}
