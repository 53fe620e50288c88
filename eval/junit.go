package eval

import (
	"encoding/xml"
	"fmt"
	"io"
)

// JUnit XML, the format CI systems read test results from: one test suite
// for the run, one test case per assertion (classname: the eval case, so CI
// groups them), a failure saying what was expected and found, skipped ones
// marked skipped, a case whose generation failed as one error; the sections
// the model did not write in the case's first test's output.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Errors  int          `xml:"errors,attr"`
	Time    string       `xml:"time,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Fails      int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	s := r.Summary
	suite := junitSuite{Name: "rotor eval (" + s.Provider + ")", Time: seconds(s.DurationMS),
		Properties: []junitProperty{{"provider", s.Provider}, {"model", s.Model}, {"judge_model", s.JudgeModel},
			{"score", fmt.Sprintf("%.3f", s.Score)}, {"llm_calls", fmt.Sprint(s.LLMCalls)}, {"cost", cost(s.CostUSD, s.CostUnknown)},
			{"fell_back", fmt.Sprint(s.FellBack)}, {"commit", s.Commit}, {"prompts_hash", s.PromptsHash}}}
	for _, c := range r.Cases {
		out := fmt.Sprintf("score %.2f, %d LLM calls, %s", c.Score, c.LLMCalls, cost(c.CostUSD, c.CostUnknown))
		if names := NotWrittenByTheModel(c); names != "" {
			out += "\nsections not written by the model: " + names
		}
		if c.Error != "" {
			suite.Errors++
			suite.Cases = append(suite.Cases, junitCase{Name: "generation", Classname: c.Name, Time: seconds(c.LatencyMS), SystemOut: out,
				Error: &junitMessage{Message: "generation failed", Type: "error", Text: c.Error}})
			continue
		}
		for i, a := range c.Assertions {
			jc := junitCase{Name: a.Label, Classname: c.Name, Time: "0.000"}
			if i == 0 {
				jc.Time, jc.SystemOut = seconds(c.LatencyMS), out
			}
			switch {
			case a.Skipped:
				jc.Skipped = &junitMessage{Message: a.Found}
			case !a.Passed:
				suite.Fails++
				msg := fmt.Sprintf("expected %s, found %s", a.Expected, a.Found)
				if a.PassRate > 0 {
					msg += fmt.Sprintf(" (passed %.0f%% of runs)", a.PassRate*100)
				}
				jc.Failure = &junitMessage{Message: msg, Type: a.Type, Text: fmt.Sprintf("expected: %s\nfound:    %s", a.Expected, a.Found)}
			}
			suite.Cases = append(suite.Cases, jc)
		}
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Name: "rotor eval", Tests: suite.Tests, Fails: suite.Fails, Errors: suite.Errors, Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
