package minwon

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// decodeJSON is what Decode gave before payloads were kept.
func decodeJSON[T any](t *testing.T, ev *Event) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(ev.Data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// A kept payload decodes to what its JSON decodes to.
func TestKeptPayloadDecodesLikeItsJSON(t *testing.T) {
	now := time.Now() // Local, with a monotonic reading
	tests := []struct {
		name string
		data any
		kept bool
	}{
		{"message, local time", &Message{ID: "m1", ContactID: "c1", Seq: 3, From: FromCitizen, Text: "주차 문의 <b>&</b>", ClientID: "k", At: now}, true},
		{"message by value, UTC", Message{ID: "m2", ContactID: "c1", Seq: 4, From: FromAgent, AuthorID: "u1", Text: "안내드립니다", At: now.UTC()}, true},
		{"message with invalid UTF-8", &Message{ID: "m3", Text: "bad \xff byte"}, false},
		{"message in another zone", &Message{ID: "m4", At: now.In(time.FixedZone("KST", 9*3600))}, false},
		{"a payload with a slice", &User{ID: "u1", Roles: []Role{RoleCounselor}}, false},
		{"a map", map[string]string{"a": "b"}, false},
		{"nil pointer", (*Message)(nil), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := NewEvent(EventMessageSent, now, tt.data)
			if got := ev.kept != nil; got != tt.kept {
				t.Fatalf("kept = %v, want %v", got, tt.kept)
			}
			if _, ok := tt.data.(map[string]string); ok {
				return
			}
			if _, ok := tt.data.(*User); ok {
				return
			}
			var got Message
			if err := ev.Decode(&got); err != nil {
				t.Fatal(err)
			}
			want := decodeJSON[Message](t, ev)
			if !got.At.Equal(want.At) || got.At.Round(0) != got.At {
				t.Errorf("At = %v, want %v without a monotonic reading", got.At, want.At)
			}
			got.At, want.At = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded %+v, JSON decodes %+v", got, want)
			}
		})
	}
}

// The kept payload is the event's own: neither the caller's value nor a
// decoded copy changes what the next Decode gives.
func TestKeptPayloadIsACopy(t *testing.T) {
	m := &Message{ID: "m1", Text: "처음"}
	ev := NewEvent(EventMessageSent, time.Now(), m)
	m.Text = "바뀜"
	var a Message
	if err := ev.Decode(&a); err != nil {
		t.Fatal(err)
	}
	a.Text = "또 바뀜"
	var b Message
	if err := ev.Decode(&b); err != nil {
		t.Fatal(err)
	}
	if b.Text != "처음" {
		t.Fatalf("Text = %q, want the value the event was built from", b.Text)
	}
}

// Code that replaces or clears Data is obeyed: the kept payload is used
// only while Data is the JSON it was marshalled to.
func TestKeptPayloadFollowsData(t *testing.T) {
	ev := NewEvent(EventPasswordSet, time.Now(), &PasswordSet{UserID: "u1", Hash: "secret"})
	if ev.kept == nil {
		t.Fatal("a flat payload was not kept")
	}
	ev.Data = json.RawMessage(`{"user_id":"u1"}`) // redacted
	var p PasswordSet
	if err := ev.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if p.Hash != "" {
		t.Fatalf("Hash = %q after Data was redacted", p.Hash)
	}
	ev.Data = nil
	if err := ev.Decode(&PasswordSet{}); err == nil {
		t.Fatal("decoding an event without data succeeded from the kept payload")
	}
}

// Decoding into a value that is not zero merges, as JSON does.
func TestKeptPayloadMergesLikeJSON(t *testing.T) {
	ev := NewEvent(EventMessageSent, time.Now(), &Message{ID: "m1", Text: "안녕하세요"})
	got := Message{AuthorID: "u9"} // author_id is omitted from the JSON when empty
	if err := ev.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.AuthorID != "u9" || got.Text != "안녕하세요" {
		t.Fatalf("decoded %+v, want the JSON merged into the value", got)
	}
	var other struct {
		ID string `json:"id"`
	}
	if err := ev.Decode(&other); err != nil || other.ID != "m1" {
		t.Fatalf("decoding into another type: %+v, %v", other, err)
	}
}

func BenchmarkDecodeMessage(b *testing.B) {
	m := &Message{ID: NewID(), ContactID: NewID(), Seq: 12, From: FromCitizen, Text: "안녕하세요, 불법 주차 신고는 어떻게 하나요? 집 앞 골목에 매일 차가 서 있습니다.", ClientID: "c-123", At: time.Now()}
	for _, kept := range []bool{true, false} {
		name := map[bool]string{true: "kept", false: "json"}[kept]
		b.Run(name, func(b *testing.B) {
			ev := NewEvent(EventMessageSent, time.Now(), m)
			if !kept {
				ev.kept = nil
			}
			for b.Loop() {
				var got Message
				if err := ev.Decode(&got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
