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
		f.stale = true
		f.refreshLocked()
		f.mu.Unlock()
	}
}
