package guard_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/minwon/minwon/guard"
)

// TestDisguises covers every disguise the normaliser must see through, each
// aimed at a counselor. span is the part of the text the deciding hit must
// point at.
func TestDisguises(t *testing.T) {
	tests := []struct {
		name, text string
		label      guard.Label
		span       string
	}{
		{"InitialsSB", "ㅅㅂ 빨리 처리해", guard.Profanity, "ㅅㅂ"},
		{"InitialsBS", "상담원 ㅂㅅ이냐", guard.Profanity, "ㅂㅅ"},
		{"InitialsJR", "ㅈㄹ 하지 마", guard.Profanity, "ㅈㄹ"},
		{"InitialsCluster", "ㅄ 같은 답변", guard.Profanity, "ㅄ"},
		{"MaskedLatinX", "씨X 아직이야?", guard.Profanity, "씨X"},
		{"MaskedStar", "시*발 당장 바꿔", guard.Profanity, "시*발"},
		{"MaskedTwo", "개XX 전화 받아", guard.Profanity, "개XX"},
		{"MaskedCircle", "병○ 같은 상담원", guard.Profanity, "병○"},
		{"SpaceInside", "씨 발 장난하냐", guard.Profanity, "씨 발"},
		{"SpacesInside", "개 새 끼 들 일 좀 해", guard.Profanity, "개 새 끼"},
		{"SymbolInside", "시@발 진짜", guard.Profanity, "시@발"},
		{"DotInside", "병.신 상담원", guard.Profanity, "병.신"},
		{"DigitInside", "시1발 빨리 해", guard.Profanity, "시1발"},
		{"DigitsAfterInterjection", "아18 진짜 열받네", guard.Profanity, "아18"},
		{"DigitsBeforeInsult", "18놈아 전화 받아", guard.Profanity, "18놈"},
		{"DigitsBeforeSaekki", "이 18새끼야", guard.Profanity, "이 18새끼"},
		{"EightAfterSsi", "씨8 이게 말이 돼?", guard.Profanity, "씨8"},
		{"TenBeforeSae", "10새끼 전화 끊지 마", guard.Profanity, "10새"},
		{"Stretched", "시이이발 또 대기야", guard.Profanity, "시이이발"},
		{"StretchedFinal", "씨바아알 대답해", guard.Profanity, "씨바아알"},
		{"JamoSplit", "ㅆㅣㅂㅏㄹ 대답 좀 해", guard.Profanity, "ㅆㅣㅂㅏㄹ"},
		{"JamoSplitSpaced", "ㅆ ㅣ ㅂ ㅏ ㄹ", guard.Profanity, "ㅆ ㅣ ㅂ ㅏ ㄹ"},
		{"SoundAlikeSsui", "씌발 뭐라는 거야", guard.Profanity, "씌발"},
		{"SoundAlikeSwi", "쉬벌 언제까지 기다려", guard.Profanity, "쉬벌"},
		{"SoundAlikeByung", "븅신 같은 상담원", guard.Profanity, "븅신"},
		{"Linking", "십알 빨리 해", guard.Profanity, "십알"},
		{"QwertySibal", "tlqkf 상담원 바꿔", guard.Profanity, "tlqkf"},
		{"QwertyByungsin", "qudtls 같은 소리", guard.Profanity, "qudtls"},
		{"QwertyGaesaekki", "rotoRl 전화 받아", guard.Profanity, "rotoRl"},
		{"QwertyWithEnding", "tlqkfshadk 대답해", guard.Profanity, "tlqkf"},
		{"LookAlikeOne", "ㅆ1발 장난하냐", guard.Profanity, "ㅆ1발"},
		{"LookAlikeC", "c발 상담원 바꿔", guard.Profanity, "c발"},
		{"PartInitial", "씨ㅂ 뭐 하는 거야", guard.Profanity, "씨ㅂ"},
		{"MiddleFinger", "ㅗ", guard.Profanity, "ㅗ"},
		{"Sexual", "목소리 섹시하네 만나자", guard.Sexual, ""},
		{"SexualInitials", "ㅅㅅ하고 싶다 상담원아", guard.Sexual, ""},
		{"SexualSpaced", "섹 스 할래?", guard.Sexual, "섹 스 할래"},
		{"SexualQwerty", "tprtm 하자", guard.Sexual, "tprtm 하자"},
		{"Threat", "찾아가서 죽여버린다", guard.Threat, "죽여버린"},
		{"ThreatSpaced", "죽 여 버 린 다", guard.Threat, "죽 여 버 린"},
		{"ThreatInitials", "ㅈㅇㅂㄹㄷ", guard.Threat, "ㅈㅇㅂㄹ"},
		{"Bomb", "폭탄 설치했다", guard.Threat, "폭탄 설"},
		{"ThreatQuestion", "죽고 싶냐 너", guard.Threat, "죽고 싶냐"},
		{"SexualBeatsProfanity", "씨발 섹스하자", guard.Sexual, "섹스하자"},
	}
	c := mustDefault(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Classify(tt.text)
			if r.Label != tt.label {
				t.Fatalf("Classify(%q) = %s (score %.2f, hits %+v), want %s", tt.text, r.Label, r.Score, r.Hits, tt.label)
			}
			if r.Start < 0 || r.End > len(tt.text) || r.Start >= r.End {
				t.Fatalf("Classify(%q) span %d..%d", tt.text, r.Start, r.End)
			}
			if tt.span != "" && tt.text[r.Start:r.End] != tt.span {
				t.Errorf("Classify(%q) points at %q, want %q", tt.text, tt.text[r.Start:r.End], tt.span)
			}
			if r.Score < 0.5 || r.Score > 1 {
				t.Errorf("Classify(%q) score %.3f", tt.text, r.Score)
			}
		})
	}
}

// TestTraps lists innocent texts with words that contain or sound like a
// root; none may be warned.
func TestTraps(t *testing.T) {
	tests := []struct{ name, text string }{
		{"StartingPoint", "이 노선 시발점이 어디예요?"},
		{"WatermelonSeeds", "수박씨 발라 먹기 대회 신청은 어디서 해요"},
		{"WatermelonSeedsNoSpace", "수박씨발라먹기 행사 언제예요"},
		{"UnderEighteen", "18세 미만은 보호자 동의가 필요한가요"},
		{"EighteenBus", "18번 버스가 안 와요"},
		{"Year2018", "2018년 서류 다시 떼야 하나요"},
		{"FavouriteSong", "아버지 십팔번이 트로트예요"},
		{"Developer", "개발자 채용 박람회 언제 해요"},
		{"YearName", "병신년 1956년생 어르신 건강검진 대상인가요"},
		{"YearNameWords", "병신년 새해 복 많이 받으세요"},
		{"CouldNotSee", "공지를 보지 못했습니다"},
		{"CouldNotSleep", "밤새 한숨도 자지 못했어요"},
		{"AngryButCivil", "이게 말이 됩니까! 책임자 바꿔요!"},
		{"ReportingHarassment", "성희롱 신고는 어디에 하나요"},
		{"ReportingThreat", "누가 죽여버린다고 협박해서 신고하려고요"},
		{"CityAnnouncement", "시 발표 자료 어디서 봐요"},
		{"WeatherAnnouncement", "날씨 발표 보고 우산 챙겼어요"},
		{"Skill", "솜씨 발휘해 보세요"},
		{"InfectiousDisease", "감염병신고 어디로 해요"},
		{"LittleFinger", "새끼손가락을 다쳤어요"},
		{"Kitten", "새끼 고양이가 하수구에 빠졌어요"},
		{"AtRandom", "닥치는 대로 다 신청해 봤어요"},
		{"StreetLightOff", "가로등이 꺼져 있어요"},
		{"WetClothes", "비에 옷이 다 젖었어요"},
		{"Brazil", "브라질 대사관 연락처 아세요?"},
		{"Shiba", "시바견 등록하려고요"},
		{"Uncle", "아저씨 발 조심하세요"},
		{"FlatRate", "정액제 주차권 신청하려고요"},
		{"SaleBomb", "폭탄 세일 현수막이 불법 같아요"},
		{"Garbage", "쓰레기 수거 차량이 안 왔어요"},
		{"TimeOfDay", "몇 시? 발표는 10시예요"},
		{"ChooseWord", "개선 요청 드립니다"},
	}
	c := mustDefault(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := c.Classify(tt.text); r.Label != guard.None {
				t.Errorf("Classify(%q) = %s (score %.2f, hits %+v), want none", tt.text, r.Label, r.Score, r.Hits)
			}
		})
	}
}

func TestDistress(t *testing.T) {
	tests := []struct {
		text     string
		label    guard.Label
		distress bool
	}{
		{"죽을 것 같아요", guard.None, true},
		{"너무 힘들어서 죽고 싶어요", guard.None, true},
		{"살기 싫어요", guard.None, true},
		{"자살 예방 상담 번호 알려주세요", guard.None, true},
		{"더워서 죽겠어요", guard.None, false},
		{"죽고 싶냐?", guard.Threat, false},
		{"주차 문의드려요", guard.None, false},
	}
	c := mustDefault(t)
	for _, tt := range tests {
		r := c.Classify(tt.text)
		if r.Label != tt.label || r.Distress != tt.distress {
			t.Errorf("Classify(%q) = %s distress %v, want %s distress %v", tt.text, r.Label, r.Distress, tt.label, tt.distress)
		}
	}
}

// TestDigits covers when digits read as a curse.
func TestDigits(t *testing.T) {
	tests := []struct {
		text   string
		strong bool // a strong digit hit, deciding the label alone
		hit    bool // any digit hit
	}{
		{"아18 진짜", true, true},
		{"18놈아", true, true},
		{"이 18새끼", true, true},
		{"씨8 뭐야", true, true},
		{"c8 뭐야", true, true},
		{"10새끼", true, true},
		{"18 진짜 짜증나네", false, true},
		{"18세 미만", false, false},
		{"18 세 미만", false, false},
		{"18번 버스", false, false},
		{"18아 대답해", true, true},
		{"18아파트 앞이에요", false, false},
		{"18:30에 가요", false, false},
		{"2018년", false, false},
		{"제18회 축제", false, false},
		{"18.5도", false, false},
		{"1,180원", false, false},
		{"18kg 넘으면 안 돼요", false, false},
		{"10시 발표", false, false},
		{"8시에 만나요", false, false},
	}
	c := mustDefault(t)
	for _, tt := range tests {
		r := c.Classify(tt.text)
		var strong, hit bool
		for _, h := range r.Hits {
			if strings.ContainsAny(h.Root, "0123456789") {
				hit = true
				strong = strong || h.Strong
			}
		}
		if strong != tt.strong || hit != tt.hit {
			t.Errorf("Classify(%q): digit hit %v strong %v, want %v %v (hits %+v)", tt.text, hit, strong, tt.hit, tt.strong, r.Hits)
		}
	}
}

func TestEdgeInputs(t *testing.T) {
	c := mustDefault(t)
	for _, s := range []string{"", " ", "\n", "ㅋ", "?!", "\xff\xfe씨발", strings.Repeat("씨발", 2000), strings.Repeat("ㅋ", 5000), "x", "X", "**", "18", "\u1100", "tlqkf"} {
		r := c.Classify(s)
		if r.Score < 0 || r.Score > 1 || r.Start < 0 || r.End > len(s) || r.Start > r.End {
			t.Errorf("Classify(%.20q) = %+v", s, r)
		}
	}
	if r := c.Classify(""); r.Label != guard.None {
		t.Errorf("empty text labelled %s", r.Label)
	}
}

func TestClassifyConcurrent(t *testing.T) {
	c := mustDefault(t)
	want := make([]guard.Result, len(benchTexts))
	for i, s := range benchTexts {
		want[i] = c.Classify(s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for k := 0; k < 200; k++ {
				i := (g + k) % len(benchTexts)
				if r := c.Classify(benchTexts[i]); r.Label != want[i].Label || r.Score != want[i].Score {
					t.Errorf("concurrent Classify(%q) = %s %.3f, want %s %.3f", benchTexts[i], r.Label, r.Score, want[i].Label, want[i].Score)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestOwnSets checks the targets on our own evaluation sets, which training
// never reads: recall ≥ 0.95 on disguised abuse aimed at a counselor, and at
// most 2% of angry-but-civil and trap sentences warned.
func TestOwnSets(t *testing.T) {
	c := mustDefault(t)
	obf := mustRead(t, "testdata/obfuscation.tsv")
	m := c.Evaluate(obf)
	if _, recall, _, _, _ := m.Abusive(); recall < 0.95 {
		t.Errorf("obfuscation set: abusive recall %.3f < 0.95", recall)
	}
	clean := append(mustRead(t, "testdata/traps.tsv"), mustRead(t, "testdata/civil.tsv")...)
	m = c.Evaluate(clean)
	if warned, n := m.FalseWarnings(); float64(warned) > 0.02*float64(n) {
		t.Errorf("traps and civil sets: %d of %d warned (> 2%%)", warned, n)
	}
	// The center's everyday requests: none may be warned, because each
	// false warning here would recur on thousands of contacts a day.
	for _, e := range mustRead(t, "testdata/routine.tsv") {
		if v := c.Classify(e.Text); v.Label != guard.None {
			t.Errorf("routine request %q warned as %s (%.3f)", e.Text, v.Label, v.Score)
		}
	}
}

func mustDefault(t testing.TB) *guard.Classifier {
	t.Helper()
	c, err := guard.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustRead(t testing.TB, path string) []guard.Example {
	t.Helper()
	ex, _, err := guard.ReadExamplesFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) == 0 {
		t.Fatalf("%s: no examples", path)
	}
	return ex
}

// TestDomains checks the shipped model carries a threshold per domain, and
// that a domain's own weights change the score: BEEP's annotators call mild
// criticism offensive, which the counselor domain must not learn from them.
func TestDomains(t *testing.T) {
	c := mustDefault(t)
	for _, name := range []string{"counsel", "beep", "kmhas", "curse"} {
		d, ok := guard.ParseDomain(name)
		if !ok || d.String() != name {
			t.Fatalf("ParseDomain(%q) = %v, %v", name, d, ok)
		}
		if th := c.ForDomain(d).Threshold(); th <= 0 || th >= 1 {
			t.Errorf("%s threshold %v", name, th)
		}
	}
	if _, ok := guard.ParseDomain("twitter"); ok {
		t.Error("ParseDomain accepted an unknown name")
	}
	if c.Domain() != guard.Counsel {
		t.Errorf("Default() is in domain %v, want counsel", c.Domain())
	}
	text := "드라마 연기가 좀 아쉽네요 각본도 별로고"
	cs, bs := c.Classify(text).Score, c.ForDomain(guard.BEEP).Classify(text).Score
	if cs == bs {
		t.Errorf("counsel and beep domains score %q alike (%.3f): the domain copies are not applied", text, cs)
	}
	if r := c.Classify(text); r.Label != guard.None {
		t.Errorf("counsel domain labels mild criticism %s (%.2f)", r.Label, r.Score)
	}
}
