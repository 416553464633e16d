package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard"
)

// guardDecisions writes supervisors' reviews of incidents as labelled
// examples for `minwon guard train --extra`: the text of every message or
// transcript segment of a confirmed incident with its label, and of a
// dismissed one as none. The file holds citizens' words; keep it where the
// recordings are kept.
func guardDecisions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var out, tenant string
	cfg, rest, err := kbFlags("guard decisions", args, stderr, func(f *flag.FlagSet) {
		f.StringVar(&out, "out", "", "JSONL file to write (default: standard output)")
		f.StringVar(&tenant, "tenant", "", "only this tenant's incidents (default: all)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return minwon.Errorf(minwon.EINVALID, "guard decisions takes no arguments")
	}
	store, err := openStore(ctx, cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	evs, err := store.Events(ctx, minwon.EventFilter{TenantID: tenant,
		Types: []minwon.EventType{minwon.EventIncidentItem, minwon.EventIncidentReviewed}})
	if err != nil {
		return err
	}
	ex, skipped, err := decisionExamples(evs)
	if err != nil {
		return err
	}
	w := stdout
	if out != "" {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return minwon.Errorf(minwon.EINVALID, "%v", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, e := range ex {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write decisions: %w", err)
	}
	fmt.Fprintf(stderr, "%d labelled texts from reviewed incidents (%d items of unreviewed incidents or without words left out)\n", len(ex), skipped)
	return nil
}

// decisionExamples turns stored incident items and reviews into examples,
// in the order the items were stored. The last review of an incident
// decides; a text in several incidents takes the label of its last reviewed
// one. Items without words (acoustic, notes) and items of incidents no
// supervisor reviewed are left out, and so are incident types the guard
// does not label (prank, drunk_long, …).
func decisionExamples(evs []*minwon.Event) (ex []guard.Example, skipped int, err error) {
	verdict := map[string]minwon.ReviewVerdict{}
	var items []minwon.IncidentItem
	for _, ev := range evs {
		switch ev.Type {
		case minwon.EventIncidentReviewed:
			var r minwon.IncidentReview
			if err := json.Unmarshal(ev.Data, &r); err != nil {
				return nil, 0, fmt.Errorf("event %s: %w", ev.ID, err)
			}
			verdict[r.IncidentID] = r.Verdict
		case minwon.EventIncidentItem:
			var it minwon.IncidentItem
			if err := json.Unmarshal(ev.Data, &it); err != nil {
				return nil, 0, fmt.Errorf("event %s: %w", ev.ID, err)
			}
			items = append(items, it)
		}
	}
	at := map[string]int{} // text → index in ex
	for _, it := range items {
		v, reviewed := verdict[it.IncidentID]
		label, ok := itemLabel(it)
		if !reviewed || it.Text == "" || (it.Kind != minwon.ItemMessage && it.Kind != minwon.ItemSegment) || !ok {
			skipped++
			continue
		}
		if v == minwon.ReviewDismissed {
			label = guard.None
		}
		if k, seen := at[it.Text]; seen {
			ex[k].Label = label
			continue
		}
		at[it.Text] = len(ex)
		ex = append(ex, guard.Example{Text: it.Text, Label: label})
	}
	return ex, skipped, nil
}

// itemLabel is the guard label a confirmed item teaches: the classifier's
// own label when it gave one, else the incident type's.
func itemLabel(it minwon.IncidentItem) (guard.Label, bool) {
	if l, ok := guard.ParseLabel(it.Label); ok && l != guard.None {
		return l, true
	}
	switch it.Type {
	case minwon.IncidentAbuse:
		return guard.Profanity, true
	case minwon.IncidentSexual:
		return guard.Sexual, true
	case minwon.IncidentThreat:
		return guard.Threat, true
	}
	return "", false
}
