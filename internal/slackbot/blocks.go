package slackbot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// AckOpenItem is the action id of an open item's acknowledgement box (its
// value is the item's id, "o1").
const AckOpenItem = "ack_open_item"

// Slack's limits (Block Kit reference).
const (
	MaxBlocks      = 50
	MaxSectionText = 3000
	MaxHeaderText  = 150
	MaxFieldText   = 2000
	MaxFields      = 10
	MaxFallback    = 3000
)

// clip shortens s to n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// mrkdwn escapes the three characters Slack's mrkdwn gives meaning to.
func mrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func text(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, clip(s, MaxSectionText), false, false)
}

// Message builds the Block Kit message of a runbook: a summary, the priority
// inventory, the first steps, and where to read the whole runbook. link is
// the (signed) URL of its page, or "" when rotor has no public URL.
func Message(rb *runbook.Runbook, link string) *slack.WebhookMessage {
	var blocks []slack.Block
	add := func(b slack.Block) {
		if len(blocks) < MaxBlocks {
			blocks = append(blocks, b)
		}
	}
	add(slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, clip("Rotation runbook: "+rb.System, MaxHeaderText), false, false)))
	// Open items come first: how many, and the first with a box to tick.
	if items := render.OpenItems(rb); len(items) > 0 {
		noun := "open items"
		if len(items) == 1 {
			noun = "open item"
		}
		add(slack.NewSectionBlock(text(fmt.Sprintf(":warning: *%d %s* to answer before the steps they hold run.", len(items), noun)), nil, nil))
		o := items[0]
		held := "Holds no step by itself."
		if o.Holds != "" {
			held = "*Holds " + mrkdwn(o.Holds) + ".*"
		}
		box := slack.NewCheckboxGroupsBlockElement(AckOpenItem, slack.NewOptionBlockObject(o.ID,
			slack.NewTextBlockObject(slack.MarkdownType, "Answered", false, false), nil))
		add(slack.NewSectionBlock(text(fmt.Sprintf("*%s* `%s`: “%s”\n%s %s", mrkdwn(o.ID), mrkdwn(o.Source), mrkdwn(o.Text), mrkdwn(o.Question), held)),
			nil, slack.NewAccessory(box)))
		if len(items) > 1 {
			more := "open items"
			if len(items) == 2 {
				more = "open item"
			}
			add(slack.NewContextBlock("", text(fmt.Sprintf("…and %d more %s in the full runbook.", len(items)-1, more))))
		}
	}

	inv := rb.Sections.Inventory
	summary := fmt.Sprintf("*Trigger:* %s  ·  *Secrets:* %d", rb.Trigger, 0)
	if inv != nil {
		risks := map[runbook.Level]int{}
		for _, s := range inv.Secrets {
			risks[s.RotationRisk]++
		}
		summary = fmt.Sprintf("*Trigger:* %s  ·  *Secrets:* %d  ·  *Rotation risk:* %d high, %d medium, %d low",
			rb.Trigger, len(inv.Secrets), risks[runbook.LevelHigh], risks[runbook.LevelMedium], risks[runbook.LevelLow])
	}
	if t := rb.Sections.RiskTriage; t != nil && len(t.Items) > 0 {
		summary += fmt.Sprintf("  ·  *Most urgent:* %s (%s)", mrkdwn(t.Items[0].SecretID), t.Items[0].Priority)
	}
	add(slack.NewSectionBlock(text(summary), nil, nil))

	if inv != nil {
		add(slack.NewDividerBlock())
		add(slack.NewSectionBlock(text("*Priority inventory*"), nil, nil))
		for i, s := range inv.Secrets {
			if len(blocks) >= MaxBlocks-8 {
				add(slack.NewSectionBlock(text(fmt.Sprintf("_…and %d more secrets in the full runbook_", len(inv.Secrets)-i)), nil, nil))
				break
			}
			fields := []*slack.TextBlockObject{
				slack.NewTextBlockObject(slack.MarkdownType, clip("*"+mrkdwn(s.Name)+"*\n"+mrkdwn(s.Owner), MaxFieldText), false, false),
				slack.NewTextBlockObject(slack.MarkdownType, clip(fmt.Sprintf("*Risk:* %s · *Strategy:* %s", s.RotationRisk, s.Strategy), MaxFieldText), false, false),
				slack.NewTextBlockObject(slack.MarkdownType, clip("*Systems:* "+mrkdwn(strings.Join(s.Systems, ", ")), MaxFieldText), false, false),
				slack.NewTextBlockObject(slack.MarkdownType, clip("*Action:* "+mrkdwn(s.Action), MaxFieldText), false, false),
			}
			add(slack.NewSectionBlock(nil, fields, nil))
		}
	}
	if seq := rb.Sections.RotationSequence; seq != nil {
		// Each step with the notes its track shares read back in: Slack
		// shows no track notes, so "As the note says." would point at
		// nothing.
		steps := seq.ReadSteps()
		for i := range steps {
			steps[i].Action = strings.TrimSpace(strings.TrimPrefix(steps[i].Action, runbook.NoteRef))
		}
		var b strings.Builder
		b.WriteString("*First steps*\n")
		for i, st := range steps {
			if i == 8 {
				fmt.Fprintf(&b, "_…%d more steps in the full runbook_", len(steps)-8)
				break
			}
			wait := ""
			if ids := runbook.WaitingFor(rb.OpenItems, st); len(ids) > 0 {
				wait = " _waits for " + mrkdwn(strings.Join(ids, ", ")) + "_"
			}
			// Only the parts a step has: no empty "· ·" chip for a step
			// without a secret or an environment.
			chips := []string{string(st.Phase)}
			for _, p := range []string{st.SecretID, st.Environment} {
				if strings.TrimSpace(p) != "" {
					chips = append(chips, mrkdwn(p))
				}
			}
			line := fmt.Sprintf("%d. *%s*%s %s\n", st.Order, strings.Join(chips, " · "), wait, mrkdwn(st.Action))
			if b.Len()+len(line) > MaxSectionText-200 {
				fmt.Fprintf(&b, "_…%d more steps in the full runbook_", len(steps)-i)
				break
			}
			b.WriteString(line)
		}
		add(slack.NewDividerBlock())
		add(slack.NewSectionBlock(text(b.String()), nil, nil))
	}
	where := fmt.Sprintf("Runbook `%s` · `GET /runbooks/%s?format=md`", rb.ID, rb.ID)
	if link != "" {
		// Slack wants &, < and > escaped in links too (the query's &).
		where = fmt.Sprintf("<%s|Full runbook> · id `%s`", mrkdwn(link), rb.ID)
	}
	if n := warnings(rb); n > 0 {
		where += fmt.Sprintf(" · %d lint warning(s)", n)
	}
	add(slack.NewContextBlock("", text(where)))
	add(actions(rb, link))
	return &slack.WebhookMessage{
		ResponseType: slack.ResponseTypeEphemeral,
		Text:         clip(fmt.Sprintf("Rotation runbook for %s: %d sections, id %s", rb.System, len(rb.SectionStatus), rb.ID), MaxFallback),
		Blocks:       &slack.Blocks{BlockSet: blocks},
	}
}

func warnings(rb *runbook.Runbook) int {
	n := 0
	for _, f := range rb.Findings {
		if f.Severity == runbook.SeverityWarning {
			n++
		}
	}
	return n
}

// Ephemeral is a plain reply only the caller sees.
func Ephemeral(msg string) *slack.Msg {
	return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: clip(msg, MaxFallback)}
}

// Action ids of the runbook message's buttons. Slack posts a press to the
// interactivity URL (/slack/interactions), signed like the command.
const (
	// ShareToChannel posts the runbook to the channel for everyone (the
	// answer to the command is ephemeral: only its author sees it).
	ShareToChannel = "share_to_channel"
	// OpenRunbook opens the runbook's page (a link button: Slack opens the
	// URL and still tells rotor, which acknowledges it).
	OpenRunbook = "open_runbook"
)

// actions are the message's buttons: share it to the channel, and open
// its page when rotor has a public URL.
func actions(rb *runbook.Runbook, link string) *slack.ActionBlock {
	share := slack.NewButtonBlockElement(ShareToChannel, rb.ID, slack.NewTextBlockObject(slack.PlainTextType, "Share to channel", false, false))
	share.Style = slack.StylePrimary
	elems := []slack.BlockElement{share}
	if link != "" {
		open := slack.NewButtonBlockElement(OpenRunbook, rb.ID, slack.NewTextBlockObject(slack.PlainTextType, "Open runbook", false, false))
		open.URL = link
		elems = append(elems, open)
	}
	return slack.NewActionBlock("runbook_actions", elems...)
}
