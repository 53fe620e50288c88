package eval

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML, the format CI systems read test results from: one test suite
// for the run, one test case per eval case, a failure naming every failed
// assertion (expected and found) and every section the model did not write.
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
	suite := junitSuite{Name: "rotor eval (" + s.Provider + ")", Tests: len(r.Cases), Time: seconds(s.DurationMS),
		Properties: []junitProperty{{"provider", s.Provider}, {"model", s.Model}, {"judge_model", s.JudgeModel},
			{"score", fmt.Sprintf("%.3f", s.Score)}, {"llm_calls", fmt.Sprint(s.LLMCalls)}, {"cost", cost(s.CostUSD, s.CostUnknown)},
			{"fell_back", fmt.Sprint(s.FellBack)}}}
	for _, c := range r.Cases {
		jc := junitCase{Name: c.Name, Classname: "rotor.eval", Time: seconds(c.LatencyMS),
			SystemOut: fmt.Sprintf("score %.2f, %d LLM calls, %s", c.Score, c.LLMCalls, cost(c.CostUSD, c.CostUnknown))}
		if names := NotWrittenByTheModel(c); names != "" {
			jc.SystemOut += "\nsections not written by the model: " + names
		}
		switch {
		case c.Error != "":
			suite.Errors++
			jc.Error = &junitMessage{Message: "generation failed", Type: "error", Text: c.Error}
		case !c.Passed:
			suite.Fails++
			var lines, labels []string
			for _, a := range c.Assertions {
				if !a.Passed && !a.Skipped {
					labels = append(labels, a.Label)
					lines = append(lines, fmt.Sprintf("%s\n  expected: %s\n  found:    %s", a.Label, a.Expected, a.Found))
				}
			}
			jc.Failure = &junitMessage{Message: strings.Join(labels, "; "), Type: "assertion", Text: strings.Join(lines, "\n")}
		}
		suite.Cases = append(suite.Cases, jc)
	}
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
