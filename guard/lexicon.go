package guard

import (
	"strings"

	"github.com/minwon/minwon/korean"
)

// The lexicon is a list of roots, each a pattern over syllable keys (see
// key): "[시십][발팔]" is 시 or 십 then 발 or 팔, "을?" is an optional 을.
// Keys already merge tense and plain consonants and near vowels, so 씨발,
// 시발, 쒸발, 씌발 and 쉬벌 are all the first root.
//
// A strong root decides the label on its own; a weak one is only a feature
// the learned model weighs with the rest of the sentence. Innocent roots are
// words that contain a root (시발점, 수박씨) and cancel any root they overlap.
type rootDef struct {
	pat   string
	label Label
	flags rootFlag
	check func(*matchCtx) bool // extra condition; false drops the match
}

type rootFlag uint16

const (
	strong    rootFlag = 1 << iota
	initials           // may have some syllables written as their initial consonant (씨ㅂ, ㅅ발)
	masks              // may have syllables masked (씨X, 병x, 개XX)
	phrase             // several words: spaces inside are normal, not a disguise
	exact              // the folded text must spell the pattern, not just sound like it
	innocent           // an innocent word that cancels roots it overlaps
	distress           // sets Result.Distress; no label
	wordStart          // must begin a word
)

const (
	strongIM = strong | initials | masks
	strongPh = strong | phrase
)

var lexicon = []rootDef{
	// Initial consonants (초성) people type for a root, listed rather than
	// derived: ㄱㅅ is 감사 (thanks) and ㄱㄴ 가능 far more often than 개새 or 개놈.
	{pat: "ㅅㅂ", label: Profanity, flags: strong},
	{pat: "ㅅㅍ", label: Profanity, flags: strong},
	{pat: "ㅂㅅ", label: Profanity, flags: strong},
	{pat: "ㅈㄹ", label: Profanity, flags: strong},
	{pat: "ㅁㅊ", label: Profanity},
	{pat: "ㅁㅊㄴ", label: Profanity, flags: strong},
	{pat: "ㄱㅅㄲ", label: Profanity, flags: strong | exact},
	{pat: "ㅅㄲ", label: Profanity, flags: exact},
	{pat: "ㅈㄴ", label: Profanity, flags: strong},
	{pat: "ㄷㅊ", label: Profanity, flags: strong},
	{pat: "ㄲㅈ", label: Profanity, flags: exact},
	{pat: "ㅆㄹㄱ", label: Profanity, flags: exact},
	{pat: "ㄱㅈㅅ", label: Profanity},
	{pat: "ㅅㅅ", label: Sexual},
	{pat: "ㅈㅇㅂㄹ", label: Threat, flags: strong},

	// Profanity: 욕설·폭언·모욕.
	{pat: "[시십싯][발벌팔펄]", label: Profanity, flags: strongIM, check: checkSibal},
	{pat: "쓰[발벌팔펄]", label: Profanity, flags: strong | exact, check: checkSibal},
	{pat: "시바", label: Profanity, flags: strong | masks, check: checkSiba},
	{pat: "시부[랄럴렁]", label: Profanity, flags: strong},
	{pat: "시bal", label: Profanity, flags: strong},
	{pat: "[병빙븅뱅빵븽벙]신", label: Profanity, flags: strongIM, check: checkByungsin},
	{pat: "빙시", label: Profanity, flags: strong | wordStart},
	{pat: "븅딱", label: Profanity, flags: strong},
	{pat: "ㅄ", label: Profanity, flags: strong},
	{pat: "개새[기키갸캬히]", label: Profanity, flags: strongIM},
	{pat: "개샛[기키]", label: Profanity, flags: strong},
	{pat: "개색[기히]", label: Profanity, flags: strongIM},
	{pat: "개[색쉑섁쌕]", label: Profanity, flags: strong | exact, check: denyNext("시")},
	{pat: "개새", label: Profanity, flags: strong | masks | wordStart},
	{pat: "개소리", label: Profanity, flags: strong},
	{pat: "개[놈넘년]", label: Profanity, flags: strongIM},
	{pat: "개자식", label: Profanity, flags: strongIM},
	{pat: "개돼지", label: Profanity, flags: strong},
	{pat: "개[씹좆]", label: Profanity, flags: strong | exact},
	{pat: "개쓰레기", label: Profanity, flags: strong},
	{pat: "개[같갗]", label: Profanity, flags: masks},
	{pat: "개빡", label: Profanity},
	{pat: "새[기키갸캬]", label: Profanity, flags: initials | masks},
	{pat: "[이저그니너]새[기키]", label: Profanity, flags: strong | wordStart},
	{pat: "느그새[기키]", label: Profanity, flags: strong},
	{pat: "[이저]런새[기키]", label: Profanity, flags: strong},
	{pat: "[씹십]새[끼기키]?", label: Profanity, flags: strong | exact},
	{pat: "애새[기키]", label: Profanity, flags: strong},
	{pat: "[쌍썩]놈?새[끼기키]", label: Profanity, flags: strong},
	{pat: "미[친칭틴쳔]", label: Profanity, flags: initials},
	{pat: "미[친칭틴쳔][놈넘년새개]", label: Profanity, flags: strongIM},
	{pat: "미쳤[냐나니]", label: Profanity},
	{pat: "돌았[냐나니]", label: Profanity},
	{pat: "정신병자", label: Profanity, flags: strong},
	{pat: "정신나간", label: Profanity},
	{pat: "지[랄롤]", label: Profanity, flags: strongIM},
	{pat: "지럴", label: Profanity, flags: strong},
	{pat: "좆", label: Profanity, flags: strong | exact},
	{pat: "좆[같까밥도나]", label: Profanity, flags: strong | initials | masks | exact},
	{pat: "좃", label: Profanity, flags: strong | exact},
	{pat: "조까", label: Profanity, flags: strong | exact, check: denyNext("지")},
	{pat: "존[나내니]", label: Profanity, flags: strong | initials | masks},
	{pat: "졸라", label: Profanity},
	{pat: "씹[년놈창할]", label: Profanity, flags: strong | exact},
	{pat: "썅", label: Profanity, flags: strong | exact},
	{pat: "[쌍상][놈년]", label: Profanity, flags: strong, check: denyNext("도")},
	{pat: "[닥닭][쳐처쵸]", label: Profanity, flags: strong | initials},
	{pat: "닥치", label: Profanity},
	{pat: "닥치[라고]", label: Profanity, flags: strong},
	{pat: "아가리", label: Profanity, flags: strong},
	{pat: "꺼[져저]", label: Profanity, flags: exact},
	{pat: "꺼[져저]라", label: Profanity, flags: strong | exact},
	{pat: "꺼[져저]버[려리]", label: Profanity, flags: strong | exact},
	{pat: "꺼지라고", label: Profanity, flags: strong},
	{pat: "또라이", label: Profanity, flags: strong | exact, check: denyNext("버")},
	{pat: "똘아이", label: Profanity, flags: strong | exact},
	{pat: "[또돌]아이새[끼기]", label: Profanity, flags: strong},
	{pat: "[등뜽]신", label: Profanity, flags: strong, check: denyNext("대불")},
	{pat: "찐따", label: Profanity, flags: strong | exact},
	{pat: "버러지", label: Profanity, flags: strong},
	{pat: "인간쓰레기", label: Profanity, flags: strong},
	{pat: "쓰레기", label: Profanity, flags: initials},
	{pat: "멍청", label: Profanity},
	{pat: "바보", label: Profanity},
	{pat: "호구", label: Profanity},
	{pat: "한심", label: Profanity},
	{pat: "무능", label: Profanity},
	{pat: "벌레", label: Profanity},
	{pat: "짐승", label: Profanity},
	{pat: "돼지", label: Profanity},
	{pat: "꼰대", label: Profanity},
	{pat: "틀딱", label: Profanity, flags: strong},
	{pat: "맘충", label: Profanity, flags: strong},
	{pat: "급식충", label: Profanity, flags: strong},
	{pat: "똥꼬충", label: Profanity, flags: strong},
	{pat: "한남충", label: Profanity, flags: strong},
	{pat: "[김된]장녀", label: Profanity, flags: strong},
	{pat: "김치녀", label: Profanity, flags: strong},
	{pat: "빨갱이", label: Profanity, flags: strong},
	{pat: "좌빨", label: Profanity, flags: strong},
	{pat: "짱깨", label: Profanity, flags: strong | exact},
	{pat: "쪽바리", label: Profanity, flags: strong},
	{pat: "메갈", label: Profanity},
	{pat: "일베", label: Profanity},
	{pat: "홍어", label: Profanity},
	{pat: "[니느]?애미", label: Profanity},
	{pat: "니애[미비]", label: Profanity, flags: strong},
	{pat: "느금마", label: Profanity, flags: strong},
	{pat: "느그[애엄]", label: Profanity, flags: strong},
	{pat: "니[미기]", label: Profanity, flags: wordStart},
	{pat: "니기미", label: Profanity, flags: strong},
	{pat: "니미럴", label: Profanity, flags: strong},
	{pat: "엠창", label: Profanity, flags: strong},
	{pat: "젠장", label: Profanity},
	{pat: "제기랄", label: Profanity},
	{pat: "빌어먹을", label: Profanity},
	{pat: "우라질", label: Profanity, flags: strong},
	{pat: "염병", label: Profanity},
	{pat: "염병할", label: Profanity, flags: strong},
	{pat: "뒤져버[려리]", label: Profanity, flags: strong},
	{pat: "엿먹", label: Profanity, flags: strong | wordStart},
	{pat: "엿이나", label: Profanity, flags: strong | wordStart},
	{pat: "ㅗ", label: Profanity, flags: strong, check: standalone},
	{pat: "ㅗㅗ", label: Profanity, flags: strong, check: standalone},
	{pat: "fuck", label: Profanity, flags: strong | masks | wordStart},
	{pat: "fuk", label: Profanity, flags: strong | wordStart},
	{pat: "shit", label: Profanity, flags: strong | masks | wordStart},
	{pat: "bitch", label: Profanity, flags: strong | masks | wordStart},
	{pat: "ashole", label: Profanity, flags: strong | wordStart},
	{pat: "motherfucker", label: Profanity, flags: strong | wordStart},
	{pat: "wtf", label: Profanity, flags: wordStart},
	{pat: "stfu", label: Profanity, flags: strong | wordStart},
	{pat: "s[s]?ibal", label: Profanity, flags: strong | wordStart},
	{pat: "shibal", label: Profanity, flags: strong | wordStart},
	{pat: "b[y]?ung[s]?[h]?in", label: Profanity, flags: strong | wordStart},
	{pat: "gaesaek[k]?i", label: Profanity, flags: strong | wordStart},

	// Sexual harassment: 성희롱.
	{pat: "[섹쎅]스", label: Sexual},
	{pat: "[섹쎅]스[하할해]", label: Sexual},
	{pat: "[섹쎅]스하[자고러]", label: Sexual, flags: strong, check: checkWantSex},
	{pat: "[섹쎅]스[할해][래봤줘]", label: Sexual, flags: strong},
	{pat: "섹파", label: Sexual, flags: strong},
	{pat: "섹시", label: Sexual},
	{pat: "떡[치쳐칠]", label: Sexual},
	{pat: "떡[치칠][자래]", label: Sexual, flags: strong},
	{pat: "떡치고싶", label: Sexual, flags: strongPh},
	{pat: "따먹", label: Sexual, flags: exact},
	{pat: "따먹고싶", label: Sexual, flags: strongPh | exact},
	{pat: "따먹[을자]", label: Sexual, flags: exact, check: checkTtamuk},
	{pat: "꼴[리려림]", label: Sexual, flags: strong | exact},
	{pat: "딸딸이", label: Sexual, flags: strong | exact},
	{pat: "딸[치쳐]", label: Sexual, flags: exact},
	{pat: "자위", label: Sexual, check: denyNext("대권행력")},
	{pat: "자위[하해했]", label: Sexual, flags: strong},
	{pat: "야동", label: Sexual},
	{pat: "원나잇", label: Sexual},
	{pat: "조건만남", label: Sexual},
	{pat: "보빨", label: Sexual, flags: strong},
	{pat: "보지", label: Sexual},
	{pat: "자지", label: Sexual},
	{pat: "[보자]지털", label: Sexual, flags: strong},
	{pat: "좆물", label: Sexual, flags: strong},
	{pat: "정액", label: Sexual, check: denyNext("제권요")},
	{pat: "빨아[줘줄봐]", label: Sexual},
	{pat: "박아[줘줄]", label: Sexual},
	{pat: "벗[어겨]", label: Sexual},
	{pat: "가슴", label: Sexual},
	{pat: "가슴[크만빨]", label: Sexual, flags: strongPh},
	{pat: "몸매", label: Sexual},
	{pat: "엉덩이", label: Sexual},
	{pat: "허벅지", label: Sexual},
	{pat: "팬티", label: Sexual},
	{pat: "속옷", label: Sexual},
	{pat: "브라", label: Sexual, check: denyNext("질우운이")},
	{pat: "젖", label: Sexual, flags: exact, check: denyNext("은어었지으을다는")},
	{pat: "젖[꼭탱]", label: Sexual, flags: strong},
	{pat: "야[하한해]", label: Sexual},
	{pat: "음란", label: Sexual},
	{pat: "발정", label: Sexual},
	{pat: "성관계", label: Sexual},
	{pat: "만나[자요]", label: Sexual},
	{pat: "모텔", label: Sexual},
	{pat: "나랑자자", label: Sexual, flags: strongPh},
	{pat: "같이자자", label: Sexual, flags: strongPh},
	{pat: "한번자자", label: Sexual, flags: strongPh},
	{pat: "나랑[자잘]", label: Sexual, flags: strongPh, check: denyNext("세신")},
	{pat: "같이[잘자]래", label: Sexual, flags: strongPh},
	{pat: "한번[하]자", label: Sexual, flags: phrase},
	{pat: "한번대[주줘]", label: Sexual, flags: strongPh},
	{pat: "대[줄줘]래", label: Sexual, flags: strong},
	{pat: "목소리", label: Sexual},
	{pat: "신음", label: Sexual},
	{pat: "흥분", label: Sexual},
	{pat: "애인", label: Sexual},
	{pat: "사귀[자]", label: Sexual},
	{pat: "창녀", label: Sexual, flags: strong},
	{pat: "창년", label: Sexual, flags: strong},
	{pat: "갈보", label: Sexual, flags: strong},
	{pat: "걸레", label: Sexual},
	{pat: "성기", label: Sexual, check: denyNext("능")},

	// Threats: 협박.
	{pat: "죽여", label: Threat},
	{pat: "[죽쥑]여버[리린릴려]", label: Threat, flags: strong | exact},
	{pat: "주겨버[리린릴려]", label: Threat, flags: strong},
	{pat: "쥑여", label: Threat, flags: strong | exact},
	{pat: "염산을?뿌", label: Threat, flags: strongPh},
	{pat: "휘발유", label: Threat},
	{pat: "죽여[줄놓]", label: Threat, flags: strong},
	{pat: "죽인다", label: Threat},
	{pat: "죽일[거꺼테줄까]", label: Threat, flags: strong},
	{pat: "죽이[겠러]", label: Threat, flags: strong},
	{pat: "[쳐패쏴]죽", label: Threat, flags: strong},
	{pat: "때려죽", label: Threat, flags: strong},
	{pat: "찔러죽", label: Threat, flags: strong},
	{pat: "밟아죽", label: Threat, flags: strong},
	{pat: "패버", label: Threat, flags: strong | wordStart},
	{pat: "팰[거꺼까]", label: Threat, flags: strong},
	{pat: "두들겨패", label: Threat, flags: strongPh},
	{pat: "때려", label: Threat, flags: exact},
	{pat: "때려[버줄]", label: Threat, flags: strong | exact},
	{pat: "가만안[두둬둔둘놔놓]", label: Threat, flags: strongPh},
	{pat: "가만[두놔]지않", label: Threat, flags: strongPh},
	{pat: "가만안있", label: Threat, flags: phrase},
	{pat: "찾아[가갈간]", label: Threat},
	{pat: "찾아가서", label: Threat},
	{pat: "폭탄", label: Threat},
	{pat: "폭탄[을를]?[설터던]", label: Threat, flags: strongPh},
	{pat: "폭탄테러", label: Threat, flags: strong},
	{pat: "폭파", label: Threat},
	{pat: "폭파[시해할하][키켜버겠]?", label: Threat, flags: strong, check: checkPokpa},
	{pat: "불을?지르겠", label: Threat, flags: strongPh},
	{pat: "불을?질러[버줄]", label: Threat, flags: strongPh},
	{pat: "불을?지를[거꺼까테]", label: Threat, flags: strongPh},
	{pat: "불을?지른다", label: Threat, flags: strongPh},
	{pat: "불을?싸질러", label: Threat, flags: strongPh},
	{pat: "불태워[버죽]", label: Threat, flags: strongPh},
	{pat: "칼로[찔쑤죽]", label: Threat, flags: strongPh},
	{pat: "칼을?들고", label: Threat, flags: phrase},
	{pat: "흉기를?들고", label: Threat, flags: phrase},
	{pat: "칼침", label: Threat, flags: strong},
	{pat: "총으?로[쏴쏠]", label: Threat, flags: strongPh},
	{pat: "쏴버[리린릴]", label: Threat, flags: strong | exact},
	{pat: "목을?[따딴]버", label: Threat, flags: strongPh},
	{pat: "목을?딴다", label: Threat, flags: strongPh},
	{pat: "묻어버린다", label: Threat, flags: strong},
	{pat: "묻어버릴[거꺼까테]", label: Threat, flags: strong},
	{pat: "묻어줄", label: Threat, flags: strong},
	{pat: "테러[하할]", label: Threat, flags: strong},
	{pat: "보복[하할]", label: Threat},
	{pat: "[밤뒷뒤]길조심", label: Threat, flags: strongPh},
	{pat: "뒤?통수조심", label: Threat, flags: strongPh},
	{pat: "가족[들]?조심", label: Threat, flags: strongPh},
	{pat: "어디사는지[알안]", label: Threat, flags: strongPh},
	{pat: "집주소[를]?알", label: Threat, flags: strongPh},
	{pat: "집주소[를]?안다", label: Threat, flags: strongPh},
	{pat: "[너니]네?집[을]?알", label: Threat, flags: strongPh},
	{pat: "[너니]네?집[이]?어딘지", label: Threat, flags: strongPh},
	{pat: "각오[해하]", label: Threat},
	{pat: "두고[보봐]", label: Threat, flags: phrase},
	{pat: "죽는다", label: Threat},
	{pat: "[뒤디]질래", label: Threat, flags: strong},
	{pat: "[뒤디죽맞]고싶[냐니어]", label: Threat, flags: strongPh, check: checkWantToDie},
	{pat: "죽을래", label: Threat, flags: strong},
	{pat: "맞을래", label: Threat, flags: strong},
	{pat: "손봐줄", label: Threat, flags: strong},
	{pat: "혼내줄", label: Threat},
	{pat: "[작박]살[내낼]", label: Threat, flags: strong},
	{pat: "쳐들어[가갈간]", label: Threat, flags: strong},

	// Distress: routed to help, not a label.
	{pat: "죽고싶", flags: distress | phrase},
	{pat: "죽을[것거]같", flags: distress | phrase},
	{pat: "죽어버리고싶", flags: distress | phrase},
	{pat: "자살", flags: distress},
	{pat: "목숨을?끊", flags: distress | phrase},
	{pat: "살기싫", flags: distress | phrase},
	{pat: "살고싶지가?않", flags: distress | phrase},
	{pat: "뛰어내리[고려]", flags: distress | phrase},
	{pat: "극단적인?선택", flags: distress | phrase},
	{pat: "사라지고싶", flags: distress | phrase},
	{pat: "삶을?포기", flags: distress | phrase},
	{pat: "생을?마감", flags: distress | phrase},
	{pat: "살아서뭐해", flags: distress | phrase},
	{pat: "세상을?떠나고싶", flags: distress | phrase},

	// Innocent words that contain a root.
	{pat: "시발[점역택지]", flags: innocent},
	{pat: "시바[견이]", flags: innocent},
	{pat: "[수호]박씨", flags: innocent},
	{pat: "[날솜글말맵불꽃볍]씨", flags: innocent},
	{pat: "마음씨", flags: innocent},
	{pat: "아[가저]씨", flags: innocent},
	{pat: "십팔[번세살일층개명호평시분대회만억조천백원]", flags: innocent},
	{pat: "병신년", flags: innocent, check: checkYearName},
	{pat: "[보자]지[못않마말도는만요]", flags: innocent | phrase},
	{pat: "새끼[손발줄]", flags: innocent},
	{pat: "새끼[고강]", flags: innocent | phrase},
	{pat: "고양이새끼", flags: innocent | phrase},
	{pat: "강아지새끼", flags: innocent | phrase},
	{pat: "새끼를?[낳쳤치]", flags: innocent | phrase},
	{pat: "새[끼기]", flags: innocent, check: checkAnimalYoung},
	{pat: "닥치는[대데]로", flags: innocent | phrase},
	{pat: "닥쳐[올온]", flags: innocent},
	{pat: "젖[은어었]", flags: innocent},
}

// Context checks. Each returns false to drop a match.

// sibalNext are syllables that start a 발- word after 시 (시발점, 시 발표,
// 날씨 발표) or a 바- word (시바견).
var sibalNext = runeSet("이점역택표언견생전달급굴송행명사매령레휘효부주족의열작코바가목등판톱길걸암상탁산각동병원육음제차착광끝라")

func checkSibal(c *matchCtx) bool {
	// Inside a longer word, or written with the plain 시 of 시(市, 時, 詩),
	// a following 발-word means the two syllables belong to different words.
	first := c.t.Runes[c.i]
	n := c.nextInWord()
	if (first == '시' || !c.t.WordStart(c.i)) && c.lit == c.j-c.i && n != 0 && sibalNext[n] {
		return false
	}
	// Wholly inside a word (아스팔트) it is part of that word; a curse inside
	// a word ends it or carries on as an insult (존나씨발, 개씨발놈).
	return c.t.WordStart(c.i) || n == 0 || continues[n]
}

// byungsinAfter are syllables that end a word in 병 (질병, 감염병, 간병) so
// that 병 신고 written together is not 병신.
var (
	byungsinPrev = runeSet("질염상역열전투환간육군중위지발성화꾀피정출")
	byungsinNext = runeSet("고청규설속축분호용뢰상체")
)

func checkByungsin(c *matchCtx) bool {
	if c.lit == c.j-c.i {
		if n := c.nextInWord(); n != 0 && byungsinNext[n] {
			return false
		}
		if p := c.prevInWord(); p != 0 && byungsinPrev[p] {
			return false
		}
	}
	return true
}

// checkSiba keeps the bare 시바 to a word of its own or before an insult
// (시바 진짜, 시바놈): 씨바둑이, 시바이누 and 슈바이처 are other words.
func checkSiba(c *matchCtx) bool {
	return c.t.WordEnd(c.j) || continues[key(c.t.Runes[c.j])]
}

// checkWantSex keeps 섹스하고 to wanting it (섹스하고 싶다), not 섹스하고
// 나서 in a health question.
func checkWantSex(c *matchCtx) bool {
	if c.t.Runes[c.j-1] != '고' {
		return true
	}
	return strings.Contains(c.src[c.t.End[c.j-1]:], "싶")
}

func checkTtamuk(c *matchCtx) bool {
	// 사과 따먹기 and 점수 따먹기 are games; a person as object is not.
	return c.nextInWord() != '기'
}

func checkPokpa(c *matchCtx) bool { return c.j-c.i >= 3 }

// checkWantToDie tells the threat 죽고 싶냐 from the distress 죽고 싶어요:
// 싶어 counts only as a question or bare (죽고 싶어?), not before 요.
func checkWantToDie(c *matchCtx) bool {
	if c.t.Runes[c.j-1] != '어' {
		return true
	}
	if c.j < c.t.Len() && c.t.Gaps[c.j] == 0 {
		return false // 싶어요, 싶어서
	}
	return c.followedBy('?')
}

// checkYearName accepts 병신년 as the year name (丙申年) when the text also
// says which year or speaks of a year: a four-digit year ≡ 36 (mod 60) such
// as 1956 or 2016, or words like 새해, 해, 띠, 간지.
func checkYearName(c *matchCtx) bool {
	s := c.src
	for k := 0; k+4 <= len(s); k++ {
		if isDigits(s[k:k+4]) && (k == 0 || !isDigit(s[k-1])) && (k+4 == len(s) || !isDigit(s[k+4])) {
			y := int(s[k]-'0')*1000 + int(s[k+1]-'0')*100 + int(s[k+2]-'0')*10 + int(s[k+3]-'0')
			if y%60 == 36 {
				return true
			}
		}
	}
	for _, w := range yearWords {
		if containsFolded(c.t, w) {
			return true
		}
	}
	return false
}

var yearWords = [][]rune{[]rune("새해"), []rune("그해"), []rune("환갑"), []rune("태어난"), []rune("해에"), []rune("해는"), []rune("해가"), []rune("해였"), []rune("해입"), []rune("해의"), []rune("년생"), []rune("년도"), []rune("띠"), []rune("간지"), []rune("갑자"), []rune("원숭이"), []rune("丙申")}

// animalWords tell 새끼 (an animal's young) from the insult: 강아지가 새끼를
// 다섯 마리 낳았어요.
var animalWords = [][]rune{[]rune("낳"), []rune("마리"), []rune("어미"), []rune("출산"), []rune("분양"), []rune("강아지"), []rune("고양이"), []rune("새끼들이태어")}

func checkAnimalYoung(c *matchCtx) bool {
	if p := c.prevInWord(); p == '개' || p == '십' || p == '미' {
		return false
	}
	for _, w := range animalWords {
		if containsFolded(c.t, w) {
			return true
		}
	}
	return false
}

func standalone(c *matchCtx) bool { return c.t.WordStart(c.i) && c.t.WordEnd(c.j) }

func denyNext(syllables string) func(*matchCtx) bool {
	set := runeSet(syllables)
	return func(c *matchCtx) bool {
		n := c.nextInWord()
		return n == 0 || !set[n]
	}
}

func runeSet(s string) map[rune]bool {
	m := make(map[rune]bool)
	for _, r := range s {
		m[r] = true
		m[key(r)] = true
	}
	return m
}

func containsFolded(t *korean.Text, w []rune) bool {
	for i := 0; i+len(w) <= len(t.Runes); i++ {
		k := 0
		for k < len(w) && t.Runes[i+k] == w[k] {
			k++
		}
		if k == len(w) {
			return true
		}
	}
	return false
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
