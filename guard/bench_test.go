package guard_test

import (
	"testing"

	"github.com/minwon/minwon/guard"
)

// benchTexts are utterances the size a chat or a transcript segment has:
// mostly ordinary requests, some angry, a few abusive or disguised.
var benchTexts = []string{
	"여권 재발급 하려고 하는데 필요한 서류가 뭐예요?",
	"불법주차 신고하려고요 집 앞에 차가 사흘째 서 있어요",
	"네 알겠습니다 감사합니다",
	"이게 말이 됩니까! 책임자 바꿔요!",
	"민원 넣은 지 한 달이 넘었는데 아직 연락이 없어요",
	"가로등이 꺼져 있어서 너무 어두워요",
	"재산세 납부 기한이 언제까지인가요",
	"씨발 몇 번을 말해야 알아들어",
	"ㅅㅂ 또 기다리래",
	"목소리 섹시하네 만나자",
	"18세 미만은 보호자 동의가 필요한가요",
	"층간소음 때문에 잠을 못 자요 윗집에 말 좀 해주세요",
	"tlqkf 장난하냐",
	"시발점부터 종점까지 몇 정거장이에요",
	"찾아가서 죽여버린다",
	"죽을 것 같아요 너무 힘들어요",
}

// BenchmarkClassify measures one utterance per op on one goroutine; the
// target is ≥ 100,000 utterances/s per core, i.e. ≤ 10 µs/op.
func BenchmarkClassify(b *testing.B) {
	c, err := guard.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		c.Classify(benchTexts[n%len(benchTexts)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "utterances/s")
}

// BenchmarkClassifyParallel runs on every core, to see that the pool of
// scratch memory does not contend.
func BenchmarkClassifyParallel(b *testing.B) {
	c, err := guard.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			c.Classify(benchTexts[n%len(benchTexts)])
			n++
		}
	})
}

// longTexts are chat messages of 60–120 characters, the long end of what a
// citizen types in one message.
var longTexts = []string{
	"안녕하세요 다름이 아니라 지난주에 불법주차 신고를 했는데 아직도 차가 그대로 있어서 다시 전화드렸습니다 언제쯤 처리될까요?",
	"이게 말이 됩니까! 민원 넣은 지 한 달이 넘었는데 담당자는 매번 자리에 없고 전화는 돌리기만 하고 책임자 좀 바꿔 주세요!",
	"어머니가 기초연금을 받고 계신데 이번에 집을 팔면 수급 자격이 어떻게 되는지, 그리고 신고는 어디에 해야 하는지 알려 주세요.",
	"야 이 씨발 상담원아 니가 뭔데 안 된다고 해 ㅅㅂ 몇 번을 말해야 알아듣냐 병신 같은 것들 세금 받아먹고 뭐하는 거야 진짜",
	"윗집 층간소음 때문에 밤에 잠을 한숨도 못 자요 관리사무소에 말해도 소용이 없고 경찰은 민사라고 하고 정말 죽을 것 같아요",
	"목소리 너무 섹시하시네요 상담 끝나고 따로 만나서 술 한잔 어때요? 번호 알려주시면 제가 연락드릴게요 ㅎㅎ 모텔도 괜찮고요",
	"Hello, I would like to ask about the foreign resident registration card renewal, where should I go and what should I bring?",
	"tlqkf 진짜 장난하냐 내가 어제도 전화했고 그제도 전화했는데 똑같은 소리만 하고 있어 qudtls 같은 시스템 다 갈아엎어라",
}

// BenchmarkClassifyLong measures long messages, which cost more: every
// rune is a start for the lexicon and adds n-grams.
func BenchmarkClassifyLong(b *testing.B) {
	c, err := guard.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		c.Classify(longTexts[n%len(longTexts)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "utterances/s")
}
