// Package kbcorpus generates a knowledge base the size of a large city's
// (100,000 articles) for benchmarking search: deterministic for a seed,
// written in the spoken style of a 120 center manual, with titles, bodies,
// citizens' questions and tags; and a mix of queries typed the way citizens
// type them (no spaces, particles, typos, initial consonants, colloquial
// words).
package kbcorpus

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/minwon/minwon/kb"
	"github.com/minwon/minwon/korean"
)

// service is a matter the center answers about, with the actions it takes
// and the words citizens use for it.
type service struct {
	name, category, department string
	actions                    []string
	slang                      string // a citizen's word for it; "" for none
	place, docs                string
}

var services = []service{
	{"여권", "민원서류", "민원여권과", []string{"발급", "재발급", "기간연장", "분실신고"}, "", "구청 민원여권과", "신분증과 여권용 사진"},
	{"주민등록등본", "민원서류", "민원여권과", []string{"발급", "열람", "인터넷발급"}, "등본", "주민센터", "신분증"},
	{"주민등록초본", "민원서류", "민원여권과", []string{"발급", "열람"}, "초본", "주민센터", "신분증"},
	{"가족관계증명서", "민원서류", "민원여권과", []string{"발급", "인터넷발급"}, "가족관계", "주민센터", "신분증"},
	{"인감증명서", "민원서류", "민원여권과", []string{"발급", "대리발급", "인감변경"}, "인감", "주민센터", "신분증과 인감도장"},
	{"전입신고", "민원서류", "민원여권과", []string{"신청", "온라인신청", "확인"}, "이사신고", "새 주소지 주민센터", "신분증과 임대차계약서"},
	{"주민등록증", "민원서류", "민원여권과", []string{"재발급", "분실신고", "발급"}, "주민증", "주민센터", "사진 한 장"},
	{"주정차 과태료", "주차", "주차관리과", []string{"납부", "의견진술", "조회", "감경"}, "딱지", "위택스", "고지서"},
	{"불법 주정차", "주차", "주차관리과", []string{"신고", "단속문의", "견인문의"}, "불법주차", "안전신문고 앱", "사진 두 장"},
	{"거주자우선주차", "주차", "주차관리과", []string{"신청", "연장", "해지"}, "거주자주차", "구 시설관리공단", "자동차등록증"},
	{"공영주차장", "주차", "주차관리과", []string{"요금문의", "정기권신청", "감면"}, "", "시설관리공단", "감면 증빙서류"},
	{"대형폐기물", "환경", "자원순환과", []string{"배출신고", "수수료", "수거문의"}, "큰쓰레기", "구청 홈페이지", "신고필증"},
	{"음식물쓰레기", "환경", "자원순환과", []string{"배출방법", "용기신청", "납부필증"}, "음쓰", "주민센터", "납부필증"},
	{"쓰레기 무단투기", "환경", "청소행정과", []string{"신고", "단속문의", "포상금"}, "", "안전신문고 앱", "사진"},
	{"층간소음", "환경", "환경과", []string{"상담", "분쟁조정", "측정신청"}, "윗집소음", "이웃사이센터", "소음 일지"},
	{"공사장 소음", "환경", "환경과", []string{"신고", "측정신청"}, "", "구청 환경과", "시간과 장소"},
	{"자동차세", "세금", "세무과", []string{"납부", "연납신청", "환급", "체납조회"}, "차세", "위택스", "고지서"},
	{"재산세", "세금", "세무과", []string{"납부", "분할납부", "이의신청", "감면"}, "", "위택스", "고지서"},
	{"지방소득세", "세금", "세무과", []string{"신고", "납부", "환급"}, "", "위택스", "종합소득세 신고서"},
	{"기초연금", "복지", "복지정책과", []string{"신청", "수급자격", "지급일"}, "노인연금", "주민센터", "신분증과 통장 사본"},
	{"아동수당", "복지", "아동청소년과", []string{"신청", "지급일", "변경신고"}, "", "주민센터", "신분증"},
	{"청년월세", "복지", "청년정책과", []string{"지원신청", "자격조회", "지급일"}, "월세지원", "복지로", "임대차계약서"},
	{"긴급복지", "복지", "복지정책과", []string{"지원신청", "생계지원", "의료지원"}, "", "주민센터", "가족관계 서류"},
	{"장애인 등록", "복지", "장애인복지과", []string{"신청", "등급문의", "재판정"}, "장애등록", "주민센터", "진단서"},
	{"예방접종", "보건", "보건소", []string{"예약", "증명서발급", "일정조회"}, "", "보건소", "신분증"},
	{"건강검진", "보건", "보건소", []string{"예약", "결과조회", "대상조회"}, "", "국민건강보험공단", "신분증"},
	{"반려동물 등록", "동물", "동물보호과", []string{"신청", "변경신고", "말소"}, "강아지등록", "동물병원", "신분증"},
	{"유기동물", "동물", "동물보호과", []string{"신고", "입양", "보호소문의"}, "떠돌이개", "동물보호센터", "사진"},
	{"가로등 고장", "도로", "도로관리과", []string{"신고", "수리문의"}, "가로등", "120 또는 구청", "가로등 관리번호"},
	{"도로 파손", "도로", "도로관리과", []string{"신고", "보상신청"}, "포트홀", "안전신문고 앱", "사진"},
	{"보도블록", "도로", "도로관리과", []string{"파손신고", "공사문의"}, "", "구청 도로관리과", "위치"},
	{"버스 노선", "교통", "대중교통과", []string{"문의", "불편신고", "신설건의"}, "버스", "120", "노선 번호"},
	{"지하철 분실물", "교통", "대중교통과", []string{"찾기", "접수"}, "잃어버린물건", "유실물센터", "분실 날짜"},
	{"수도요금", "상하수도", "수도사업소", []string{"납부", "감면", "명의변경"}, "물값", "수도사업소", "고객번호"},
	{"수도 누수", "상하수도", "수도사업소", []string{"신고", "요금감면"}, "물샘", "수도사업소", "사진"},
	{"건축허가", "건축", "건축과", []string{"신청", "변경", "사용승인"}, "", "세움터", "설계도서"},
	{"청소년 상담", "교육", "아동청소년과", []string{"신청", "예약"}, "", "청소년상담복지센터", "없음"},
	{"평생학습 강좌", "교육", "평생교육과", []string{"수강신청", "환불"}, "문화강좌", "평생학습관", "신분증"},
}

// districts name where an article applies: each matter is written once per
// district, as every 구 has its own office, hours and fees.
var districts = []string{
	"종로구", "중구", "용산구", "성동구", "광진구", "동대문구", "중랑구", "성북구", "강북구", "도봉구",
	"노원구", "은평구", "서대문구", "마포구", "양천구", "강서구", "구로구", "금천구", "영등포구", "동작구",
	"관악구", "서초구", "강남구", "송파구", "강동구",
}

// audiences narrow an article to whom it is for.
var audiences = []string{"", "외국인", "65세 이상 어르신", "장애인", "대리인", "다자녀 가구", "기초생활수급자", "청년", "군인", "법인", "미성년자", "임산부", "국가유공자", "한부모 가정", "사업자", "세입자", "소상공인", "농업인", "학생", "직장인"}

var (
	openers = []string{
		"%s %s은 %s에서 하시면 돼요.",
		"%s %s 문의는 %s로 안내해 주세요.",
		"%s %s을 하시려면 %s을 방문하시거나 온라인으로 하시면 돼요.",
	}
	middles = []string{
		"준비물은 %s이고, 대리인이면 위임장도 같이 챙겨 오시라고 말씀해 주세요.",
		"평일 오전 9시부터 오후 6시까지 처리하고, 점심시간에도 창구는 열려 있어요.",
		"수수료는 경우마다 다르니 정확한 금액은 담당 부서에 확인하시라고 안내해 주세요.",
		"처리까지 보통 3일에서 7일쯤 걸리고, 결과는 문자로 알려 드려요.",
		"온라인으로 하시면 공동인증서나 간편인증이 필요해요.",
		"%s 대상이시면 감면이나 우선 처리를 받으실 수 있어요.",
		"서류가 빠지면 다시 오셔야 하니 %s을 꼭 확인해 주세요.",
		"기한을 넘기면 가산금이 붙을 수 있으니 서둘러 주시라고 말씀해 주세요.",
		"전화로는 접수가 안 되고 본인 확인이 필요하다고 안내해 주세요.",
		"해외에 계시면 재외공관에서도 처리할 수 있어요.",
	}
	closers = []string{
		"더 궁금한 점은 %s로 연결해 드리면 돼요.",
		"자세한 내용은 %s 담당자에게 확인하시라고 안내해 주세요.",
		"민원 처리 상황은 정부24에서 조회할 수 있어요.",
	}
	questionForms = []string{
		"%s %s 어떻게 해요?", "%s %s 하려면 어디로 가요?", "%s %s 뭐 필요해요?", "%s %s 얼마나 걸려요?", "%s %s 온라인으로 돼요?",
	}
)

// Corpus is a generated knowledge base.
type Corpus struct {
	Articles []kb.Article
	// Topic names each article's matter and action ("여권/발급"): articles
	// of one topic differ only by district and audience, so a query that
	// names neither is answered by any of them.
	Topic []string
	// Dictionary maps citizens' words to the articles' (등본 → 주민등록등본).
	Dictionary kb.Dictionary
}

// Generate returns n articles, the same for the same n and seed.
func Generate(n int, seed uint64) Corpus {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c := Corpus{Dictionary: kb.Dictionary{}}
	for _, s := range services {
		if s.slang != "" {
			c.Dictionary[s.slang] = []string{s.name}
		}
	}
	for i := 0; i < n; i++ {
		s := &services[rng.IntN(len(services))]
		act := s.actions[rng.IntN(len(s.actions))]
		d := districts[rng.IntN(len(districts))]
		aud := audiences[rng.IntN(len(audiences))]
		title := d + " " + s.name + " " + act
		if aud != "" {
			title = d + " " + aud + " " + s.name + " " + act
		}
		var b strings.Builder
		fmt.Fprintf(&b, pick(rng, openers), d, s.name+" "+act, s.place)
		for k := 2 + rng.IntN(4); k > 0; k-- {
			m := pick(rng, middles)
			switch strings.Count(m, "%s") {
			case 1:
				arg := s.docs
				if strings.HasPrefix(m, "%s 대상") {
					arg = audiences[1+rng.IntN(len(audiences)-1)]
				}
				m = fmt.Sprintf(m, arg)
			}
			b.WriteString(" " + m)
		}
		cl := pick(rng, closers)
		if strings.Contains(cl, "%s") {
			cl = fmt.Sprintf(cl, s.department)
		}
		b.WriteString(" " + cl)
		qs := []string{fmt.Sprintf(pick(rng, questionForms), s.name, act)}
		if s.slang != "" && rng.IntN(2) == 0 {
			qs = append(qs, fmt.Sprintf(pick(rng, questionForms), s.slang, act))
		}
		c.Articles = append(c.Articles, kb.Article{
			ID: fmt.Sprintf("kb-%06d", i), Title: title, Body: b.String(),
			Category: s.category, Department: s.department,
			Tags: []string{s.category, d}, Questions: qs,
		})
		c.Topic = append(c.Topic, s.name+"/"+act)
	}
	return c
}

func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }

// Query is a search as a citizen might type it, with the topic it means
// ("" for a query the knowledge base cannot answer).
type Query struct {
	Text, Kind, Topic string
}

// Kinds of query in the mix, in the order Queries cycles through them.
var Kinds = []string{"spaced", "nospace", "particles", "typo", "initials", "synonym", "unrelated"}

// Queries returns n queries cycling through Kinds, the same for a seed.
func Queries(n int, seed uint64) []Query {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	unrelated := []string{"오늘 저녁 뭐 먹지", "축구 경기 결과 알려줘", "주식 시세 궁금해요", "노래 추천해 주세요", "비행기표 싸게 사는 법", "연애 상담 좀 해줘"}
	var out []Query
	for i := 0; i < n; i++ {
		s := &services[rng.IntN(len(services))]
		act := s.actions[rng.IntN(len(s.actions))]
		q := Query{Kind: Kinds[i%len(Kinds)], Topic: s.name + "/" + act}
		switch q.Kind {
		case "spaced":
			q.Text = s.name + " " + act
		case "nospace":
			q.Text = strings.ReplaceAll(s.name+act, " ", "")
		case "particles":
			q.Text = s.name + "을 " + act + "하려면 어떻게 해요"
		case "typo":
			q.Text = typo(rng, s.name) + " " + act
		case "initials":
			q.Text = korean.Initials(strings.ReplaceAll(s.name+act, " ", ""))
		case "synonym":
			if s.slang == "" {
				q.Text = s.name + " " + act
				q.Kind = "spaced"
			} else {
				q.Text = s.slang + " " + act
			}
		case "unrelated":
			q.Text, q.Topic = unrelated[rng.IntN(len(unrelated))], ""
		}
		out = append(out, q)
	}
	return out
}

// typo changes one jamo of one syllable of s, as a slip of the keyboard.
func typo(rng *rand.Rand, s string) string {
	rs := []rune(s)
	for range 10 {
		i := rng.IntN(len(rs))
		var near []rune
		korean.EachNear(rs[i], func(r rune) { near = append(near, r) })
		if len(near) > 0 {
			rs[i] = near[rng.IntN(len(near))]
			return string(rs)
		}
	}
	return s
}
