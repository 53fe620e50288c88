package section_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
)

// judgedTwice judges an envelope answer to section id the way rotor did
// before (three parses) and the way it does now (one), as
// generate.judge does.
func judgedTwice(t *testing.T, s *schema.Set, id runbook.SectionID, answer []byte) (before, now []string, beforeSec, nowSec runbook.Sections) {
	t.Helper()
	before = func() []string {
		inner, v := s.Unwrap(id, answer)
		if len(v) > 0 {
			return v
		}
		v, err := s.Validate(id, inner)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) > 0 {
			return v
		}
		if err := section.Must(id).Decode(inner, &beforeSec); err != nil {
			return []string{err.Error()}
		}
		return nil
	}()
	now = func() []string {
		doc, err := decode.Parse(answer)
		if err != nil {
			return []string{"schema: the answer is not a JSON object: " + err.Error()}
		}
		inner, v := s.UnwrapParsed(id, doc)
		if len(v) > 0 {
			return v
		}
		v, err = s.ValidateTree(id, inner.Tree())
		if err != nil {
			t.Fatal(err)
		}
		if len(v) > 0 {
			return v
		}
		if err := section.Must(id).DecodeParsed(inner, &nowSec); err != nil {
			return []string{err.Error()}
		}
		return nil
	}()
	return before, now, beforeSec, nowSec
}

func envelope(id runbook.SectionID, content string) []byte {
	var parts []string
	for _, other := range section.IDs() {
		v := "null"
		if other == id {
			v = content
		}
		parts = append(parts, `"`+string(other)+`":`+v)
	}
	return []byte("{" + strings.Join(parts, ",") + "}")
}

// TestAnswersParsedOnceAreJudgedAsBefore: a model's answer is parsed once
// for the envelope, the schema and the strict decoding; every row of
// testdata/parsed_once.yaml, and every section of every eval request's
// offline runbook, gets the same violations (or the same section) as when
// each check parsed the answer itself.
func TestAnswersParsedOnceAreJudgedAsBefore(t *testing.T) {
	s, err := section.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name, Section, Content, Raw, Want, Differs string
	}
	data, err := os.ReadFile("testdata/parsed_once.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		t.Run(r.Name, func(t *testing.T) {
			id := runbook.SectionID(r.Section)
			answer := []byte(r.Raw)
			if r.Raw == "" {
				answer = envelope(id, r.Content)
			}
			before, now, beforeSec, nowSec := judgedTwice(t, s, id, answer)
			switch {
			case r.Want == "" && len(now) > 0:
				t.Errorf("refused: %v", now)
			case r.Want != "" && (len(now) == 0 || !strings.Contains(now[0], r.Want)):
				t.Errorf("violations %q, want one saying %q", now, r.Want)
			}
			if r.Differs != "" {
				return
			}
			if !reflect.DeepEqual(before, now) {
				t.Errorf("violations before %q, now %q", before, now)
			}
			if !reflect.DeepEqual(beforeSec, nowSec) {
				t.Errorf("section before %+v, now %+v", beforeSec, nowSec)
			}
		})
	}
	files, _ := filepath.Glob("../../eval/requests/*.json")
	if len(files) == 0 {
		t.Fatal("no eval requests")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		req, err := decode.Request(raw)
		if err != nil {
			t.Fatal(err)
		}
		answers, err := llmtest.OfflineAnswers(req)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range section.IDs() {
			before, now, beforeSec, nowSec := judgedTwice(t, s, id, envelope(id, answers[schema.Name(id)]))
			if len(now) > 0 || !reflect.DeepEqual(before, now) {
				t.Errorf("%s %s: violations before %q, now %q", filepath.Base(file), id, before, now)
			}
			b, _ := json.Marshal(beforeSec)
			n, _ := json.Marshal(nowSec)
			if string(b) != string(n) {
				t.Errorf("%s %s: the section decoded differently", filepath.Base(file), id)
			}
		}
	}
}
