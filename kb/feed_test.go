package kb

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/minwon/minwon"
)

func publishEvent(id, body string) *minwon.Event {
	v := &minwon.ArticleVersion{ArticleID: id, Version: 1, ArticleContent: minwon.ArticleContent{Title: "안내 " + id, Body: body}}
	return minwon.NewEvent(minwon.EventArticlePublished, time.Unix(0, 0), minwon.ArticleDecided{ArticleID: id, Version: 1, Published: v})
}

// TestFeedCoalescesUnderRun checks that while Run runs, a burst of published
// articles all reach the index without one rebuild each on the caller.
func TestFeedCoalescesUnderRun(t *testing.T) {
	f := NewFeed(new(Index), func() time.Time { return time.Unix(1000, 0) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx, time.Hour); close(done) }()
	for !f.running.Load() {
		time.Sleep(time.Millisecond) // Run starting, not a timer
	}
	for i := range 500 {
		f.Apply(publishEvent(fmt.Sprintf("a%d", i), "본문"))
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.Index().Len() != 500 {
		if time.Now().After(deadline) {
			t.Fatalf("index has %d of 500 articles", f.Index().Len())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	// Without Run, Apply rebuilds at once.
	f.Apply(publishEvent("late", "늦게 온 안내"))
	if _, ok := f.Index().Get("late"); !ok {
		t.Fatal("an event applied without Run is not in the index")
	}
}

// BenchmarkFeedRebuild is one rebuild of a 5,000-article index: what each
// published article would cost without Run coalescing them.
func BenchmarkFeedRebuild(b *testing.B) {
	f := NewFeed(new(Index), time.Now)
	for i := range 5000 {
		id := fmt.Sprintf("a%d", i)
		f.live[id] = Article{ID: id, Title: "안내 " + id, Body: "견인된 차는 한빛 견인차량 보관소에서 찾으시면 돼요. 신분증과 차량 등록증을 챙겨 가시라고 안내해 주세요. 보관료는 하루 단위로 붙어요."}
	}
	b.ResetTimer()
	for range b.N {
		f.mu.Lock()
		f.full = true
		f.refreshLocked()
		f.mu.Unlock()
	}
}

// TestFeedUpdatesIncrementally follows edits, retirements and validity
// windows one article at a time, the path every save in a running center
// takes, and checks search sees each change.
func TestFeedUpdatesIncrementally(t *testing.T) {
	now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	f := NewFeed(new(Index), func() time.Time { return now })
	for i := range 50 {
		f.Apply(publishEvent(fmt.Sprintf("a%d", i), "견인된 차는 보관소에서 찾으시면 돼요"))
	}
	if got := f.Index().Len(); got != 50 {
		t.Fatalf("Len = %d, want 50", got)
	}

	edited := publishEvent("a7", "무더위쉼터는 주민센터와 경로당에서 열려요")
	f.Apply(edited)
	if rs := f.Index().Search("무더위쉼터", 1); len(rs) != 1 || rs[0].Article.ID != "a7" {
		t.Fatalf("edited article not found by its new body: %v", ids(rs))
	}
	if a, _ := f.Index().Get("a7"); a.Body != "무더위쉼터는 주민센터와 경로당에서 열려요" {
		t.Fatalf("Get(a7) has the old body %q", a.Body)
	}

	f.Apply(minwon.NewEvent(minwon.EventArticleRetired, now, minwon.ArticleRetirement{ArticleID: "a3"}))
	if _, ok := f.Index().Get("a3"); ok || f.Index().Len() != 49 {
		t.Fatalf("retired article still searchable (Len %d)", f.Index().Len())
	}

	v := &minwon.ArticleVersion{ArticleID: "summer", Version: 1, ArticleContent: minwon.ArticleContent{
		Title: "여름철 물놀이장 운영", Body: "7월 10일부터 열려요", ValidFrom: now.Add(24 * time.Hour)}}
	f.Apply(minwon.NewEvent(minwon.EventArticlePublished, now, minwon.ArticleDecided{ArticleID: "summer", Version: 1, Published: v}))
	if _, ok := f.Index().Get("summer"); ok {
		t.Fatal("an article valid from tomorrow is searchable today")
	}
	now = now.Add(25 * time.Hour)
	f.Refresh()
	if rs := f.Index().Search("물놀이장", 1); len(rs) != 1 || rs[0].Article.ID != "summer" {
		t.Fatalf("article not searchable once in force: %v", ids(rs))
	}
}
