import LongweaveCore

/// Finds the key phrases of a Chinese sample and makes counterparts that keep their kind: a
/// place or organisation keeps the ending that says what it is (省, 县, 公司, 站...), a person
/// gets a surname and given-name characters, a transliterated name other transliteration
/// characters, digits their pattern.
enum ChineseKeyPhrases {
    /// Endings that say what a place or organisation is, longest first.
    static let kindEndings: [String] = [
        "股份有限公司", "有限公司", "特别行政区", "自治区", "委员会", "研究院", "研究所", "电视台", "杂志社", "出版社", "俱乐部",
        "公司", "集团", "学校", "学院", "大学", "中学", "小学", "医院", "银行", "中心", "协会", "机场", "车站", "铁路",
        "公路", "地铁", "广场", "大厦", "大道", "乐队", "球队", "王朝", "帝国", "半岛", "群岛", "山脉", "平原", "高原",
        "盆地", "沙漠", "海峡", "运河", "水库", "地区", "政府", "联赛", "乐团", "剧院", "公园", "教堂", "寺庙",
        "省", "市", "县", "镇", "区", "村", "州", "乡", "郡", "国", "城", "路", "站", "街", "河", "江", "湖", "海", "山",
        "岛", "峰", "岭", "湾", "洲", "港", "桥", "线", "馆", "局", "部", "会", "队", "寺", "宫", "楼", "院", "校", "府",
        "厅", "所", "社", "团", "园", "庙", "塔", "堂", "门", "峡", "关", "朝", "族", "语", "科", "派", "教", "党", "军",
    ]
    /// Endings of a level of an address, after which another level may follow (河南省|固始县|段集镇).
    static let levelEndings: Set<Character> = ["省", "市", "县", "镇", "区", "村", "州", "乡", "郡"]
    static let singleSurnames = Set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤关傅庞柳岳靳欧裴项祁翟樊殷施柯卜甘祝葛包邢洪鲍左童颜霍聂温章齐易伍戚房")
    static let compoundSurnames = ["司马", "欧阳", "上官", "诸葛", "慕容", "皇甫", "令狐", "夏侯", "完颜", "东方", "尉迟", "长孙", "宇文", "司徒", "公孙"]
    /// Surnames for counterparts.
    static let counterpartSurnames = Array("王李张刘陈杨黄赵吴周徐孙朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡杜叶程苏魏吕沈姚卢姜崔钟谭陆汪范廖贾夏韦方白邹孟熊秦邱尹薛段雷侯史陶贺顾毛郝龚邵钱严武戴孔汤")
    /// Characters of given names.
    static let givenNameCharacters = Array("安柏晨丹恩芳舸涵瀚皓珩桦嘉婧珂岚澜黎琳泷茂沐楠沛琪青韶舒滕婉熙萱妍钰昀苑泽桢芷卓梓宸赫璟骞")
    /// Characters of place names.
    static let placeCharacters = Array("安宁平康泰丰华昌盛兴隆阳东西南北青白石金银龙凤云松柏桂枫梅兰清溪泉源沙田林永嘉定远德吉祥瑞临")
    /// Characters of transliterated foreign names.
    static let transliteration = Array("阿巴贝伯布查达德迪多恩法菲弗盖格哈赫霍吉加卡凯科克库拉莱兰朗劳勒雷里利林卢鲁伦罗洛马麦曼梅米莫姆纳内尼诺帕佩皮普奇乔萨塞桑森沙舍斯索塔泰特图托瓦威韦维沃西希谢休雅亚扬伊尤泽扎兹尔夫基奥娜莎丽蒂")
    static let transliterationSet = Set(transliteration)
    /// Answers that say yes or no, never replaced.
    static let yesNo: Set<String> = ["是", "否", "是的", "不是", "对", "不对", "有", "没有", "可以", "不可以", "会", "不会", "能", "不能"]
    /// Marks that make an answer a sentence or a list.
    static let sentenceMarks = Set("。，、；：！？,;:!?")

    /// Characters that make a kind ending name no particular place (全市, 本县, 该公司, 两国).
    static let determiners = Set("全本该此各每我你他这那其上下前后两一二三四五六七八九十几多某")

    static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }

    /// The kind ending of `phrase` and its length, when the phrase has more before it.
    static func kindEnding(of phrase: String) -> String? {
        kindEndings.first { phrase.hasSuffix($0) && phrase.count > $0.count }
    }

    static func surname(of phrase: String) -> String? {
        if let compound = compoundSurnames.first(where: { phrase.hasPrefix($0) }) { return compound }
        if let first = phrase.first, singleSurnames.contains(first) { return String(first) }
        return nil
    }

    /// The kind of a whole answer or quoted span, or nil: numbers are taken apart by the caller.
    /// A person when the question asks for one (谁) or the evidence gives the phrase a lifespan
    /// ('矢井田瞳（1978年7月28日－）'); a subject of the question with a surname is one too.
    static func kind(of phrase: String, personQuestion: Bool, subject: Bool = false, evidence: String = "") -> PhraseKind? {
        guard phrase.count >= 2, phrase.count <= 12, !yesNo.contains(phrase),
              !phrase.contains(where: { sentenceMarks.contains($0) || $0.isWhitespace || isDigit($0) }) else { return nil }
        if phrase.contains("·") {
            let parts = phrase.split(separator: "·")
            return parts.count >= 2 && parts.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isASCII) }) ? .chineseForeign : nil
        }
        if phrase.contains(where: \.isASCII) { return nil }
        if phrase.count >= 3, phrase.allSatisfy({ transliterationSet.contains($0) }) { return .chineseForeign }
        let surnamed = surname(of: phrase).map { (1...2).contains(phrase.count - $0.count) } ?? false
        if personQuestion && surnamed { return .chinesePerson }
        // A lifespan makes a person, unless a longer ending says otherwise ('…俱乐部（1899年－）').
        let longEnding = kindEndings.contains { $0.count > 1 && phrase.hasSuffix($0) && phrase.count > $0.count }
        if phrase.count <= 5, !longEnding, hasLifespan(phrase, in: evidence) { return .chinesePerson }
        guard let first = phrase.first, !determiners.contains(first) else { return nil }
        if speciesEndings.contains(where: { phrase.hasSuffix($0) && phrase.count > $0.count + 1 }) { return .chineseSpecies }
        // '全市', '本县', '该公司' name no particular place.
        if kindEnding(of: phrase) != nil { return .chinesePlace }
        if subject && surnamed { return .chinesePerson }
        return nil
    }

    /// Endings of animals and plants ('红腹锉尾蛇', '截尾鹦嘴鱼', '金盏花').
    static let speciesEndings = ["鱼", "鸟", "蛇", "鹿", "鲷", "兽", "虫", "蛙", "龟", "鸭", "鸡", "犬", "熊", "鼠", "猴", "羊", "鹰",
                                 "雀", "蝶", "蜂", "蚁", "蜥", "鳄", "鲸", "虾", "蟹", "贝", "螺", "藻", "花", "草", "树", "葵", "豆",
                                 "瓜", "菌"]
    /// Characters that describe a species.
    static let speciesCharacters = Array("红黄青白黑灰紫蓝绿金银斑纹长短大小花尾角头冠翅背腹刺毛纹点条冠须星云山水岩沙")

    /// Whether the evidence gives `name` a lifespan right after it: `name（1978年7月28日－`.
    static func hasLifespan(_ name: String, in evidence: String) -> Bool {
        guard !evidence.isEmpty else { return false }
        var rest = Substring(evidence)
        for _ in 0..<5 {
            guard let found = rest.range(of: name) else { return false }
            let after = rest[found.upperBound...].prefix(30)
            if after.first == "（" || after.first == "(" {
                let window = Array(after.prefix(while: { $0 != "）" && $0 != ")" }))
                let year = window.indices.contains { i in window[i] == "年" && i > 0 && isDigit(window[i - 1]) }
                if year && window.contains(where: { "－—–-~至".contains($0) }) { return true }
            }
            rest = rest[found.upperBound...]
        }
        return false
    }

    /// Whether the question asks for a person (谁, 哪位, 名字...).
    static func asksForPerson(_ question: String) -> Bool {
        ["谁", "哪位", "名字", "叫什么", "哪个人", "何人", "姓名"].contains { question.contains($0) }
    }

    /// Candidates in order: from the answers (a phrase that every distinct answer holds, so
    /// all annotations change together), then the question's 《titles》, “quoted” names and numbers.
    static func candidates(answers: [String], question: String, evidence: String = "", fromAnswers: Bool, fromQuestion: Bool) -> [(String, PhraseKind)] {
        var found: [(String, PhraseKind)] = []
        var distinct: [String] = []
        for answer in answers where !answer.isEmpty && !distinct.contains(answer) { distinct.append(answer) }
        func add(_ phrase: String, _ kind: PhraseKind) {
            guard !phrase.isEmpty, !found.contains(where: { $0.0 == phrase }) else { return }
            found.append((phrase, kind))
        }
        func numberKind(_ run: String) -> PhraseKind {
            run.count == 4 && (1000...2099).contains(Int(run) ?? 0) ? .year : .number
        }
        if fromAnswers, let first = distinct.first, !yesNo.contains(first) {
            let personQuestion = asksForPerson(question)
            if let kind = kind(of: first, personQuestion: personQuestion, evidence: evidence), distinct.allSatisfy({ $0.contains(first) }) {
                add(first, kind)
            } else {
                // A sentence answer is never replaced whole; its numbers are, everywhere.
                for run in numbers(in: first) where distinct.allSatisfy({ $0.contains(run) }) { add(run, numberKind(run)) }
            }
        }
        guard fromQuestion else { return found }
        if let subject = subject(of: question), let kind = kind(of: subject, personQuestion: false, subject: true, evidence: evidence) {
            add(subject, kind)
        }
        for name in namedSpans(in: question) { if let kind = kind(of: name, personQuestion: false, evidence: evidence) { add(name, kind) } }
        for (open, close) in [("《", "》"), ("“", "”")] {
            var rest = Substring(question)
            while let a = rest.range(of: open), let b = rest[a.upperBound...].range(of: close) {
                let inner = String(rest[a.upperBound..<b.lowerBound])
                if inner.count >= 2 && inner.count <= 12 && inner.contains(where: { !$0.isASCII }) { add(inner, .chineseTitle) }
                rest = rest[b.upperBound...]
            }
        }
        for run in numbers(in: question) { add(run, numberKind(run)) }
        return found
    }

    /// Runs of at least two ASCII digits, with the `.` or `,` between digits (`40754.95`, `1,024`).
    static func numbers(in text: String) -> [String] {
        var runs: [String] = []
        var current = ""
        let characters = Array(text)
        for (i, character) in characters.enumerated() {
            if isDigit(character) {
                current.append(character)
            } else if (character == "." || character == ","), !current.isEmpty, i + 1 < characters.count, isDigit(characters[i + 1]) {
                current.append(character)
            } else {
                if current.count >= 2 { runs.append(current) }
                current = ""
            }
        }
        if current.count >= 2 { runs.append(current) }
        return runs
    }

    /// Characters that end a question's subject: particles and question words after it.
    static let subjectEnds = Set("的是在有为曾由从除自和与被于对将把给向以及所什哪谁几多如怎何吗呢么了也还都会能可要")

    /// Spans of a question that end in a kind ending ('米泽车站', '元朗千色汇广场'), reaching back
    /// to the nearest particle or mark (at most six characters before the ending), and runs of
    /// three or more transliteration characters, joined by '·' ('纳斯卡', '马特·理查德·史东').
    static func namedSpans(in question: String) -> [String] {
        let characters = Array(question)
        var spans: [String] = []
        func isStop(_ c: Character) -> Bool {
            subjectEnds.contains(c) || spanStops.contains(c) || (c != "·" && c.isPunctuation) || c.isWhitespace || c.isASCII
        }
        var end = 0
        while end < characters.count {
            defer { end += 1 }
            guard !isStop(characters[end]) else { continue }
            let upTo = String(characters[...end])
            guard let ending = (kindEndings + speciesEndings).first(where: { upTo.hasSuffix($0) }), !looseEndings.contains(ending) else { continue }
            // The ending must end a word: not '中国人' read as '中国'.
            if end + 1 < characters.count, !isStop(characters[end + 1]), kindEndings.contains(where: { String(characters[...(end + 1)]).hasSuffix($0) }) { continue }
            var start = end - ending.count + 1
            while start > 0, end - ending.count + 1 - start < 5, !isStop(characters[start - 1]) { start -= 1 }
            // Reaching back to the start of the question or a stop, not cut off at the limit.
            let bounded = start == 0 || isStop(characters[start - 1])
            if bounded, end - ending.count + 1 - start >= 2, !determiners.contains(characters[start]) {
                spans.append(String(characters[start...end]))
            }
        }
        var run = ""
        for character in characters + [" "] {
            if transliterationSet.contains(character) || (character == "·" && !run.isEmpty) {
                run.append(character)
            } else {
                let trimmed = run.hasSuffix("·") ? String(run.dropLast()) : run
                if trimmed.count >= 3 { spans.append(trimmed) }
                run = ""
            }
        }
        return spans
    }

    /// Endings too common in other words to mark a name inside a question ('用语', '外科', '全国').
    static let looseEndings: Set<String> = ["语", "科", "区", "国", "海", "峰", "军", "教", "派", "族", "部", "会", "社", "团", "园",
                                            "所", "院", "校", "府", "厅", "门", "关", "峡", "塔", "堂", "宫", "楼", "朝", "路", "街", "江",
                                            "湾", "洲", "线", "中心", "地区", "政府"]
    /// Characters that end a name inside a question besides the particles.
    static let spanStops = Set("年月日等到及并或入选改飞加最获任位第个些种")

    /// The question's subject: the words before the first particle, when they open the question
    /// (`邹游的职业是什么？` -> 邹游); nil when it is shorter than two characters or longer than eight.
    static func subject(of question: String) -> String? {
        var subject = ""
        // A leading preposition ('在元朗千色汇之前') is not the subject.
        let rest = question.hasPrefix("在") || question.hasPrefix("于") || question.hasPrefix("从") ? question.dropFirst() : Substring(question)
        for character in rest {
            if character != "·" && (subjectEnds.contains(character) || character.isPunctuation || character.isWhitespace || character.isASCII) { break }
            subject.append(character)
        }
        return (2...8).contains(subject.count) ? subject : nil
    }

    /// A counterpart of `phrase` of the same kind, sharing no character with it (digits aside).
    static func counterpart(of phrase: String, kind: PhraseKind, random: inout SeededRandom) -> String {
        let own = Set(phrase)
        func pick(_ characters: [Character]) -> Character {
            var choice = characters[random.below(characters.count)]
            var tries = 0
            while own.contains(choice) && tries < 64 {
                choice = characters[random.below(characters.count)]
                tries += 1
            }
            return choice
        }
        switch kind {
        case .year:
            return NumberCounterpart.year(phrase, random: &random)
        case .number:
            return NumberCounterpart.make(phrase, random: &random)
        case .chinesePerson:
            let given = phrase.count - (surname(of: phrase)?.count ?? 1)
            var out = String(pick(counterpartSurnames))
            for _ in 0..<max(1, given) { out.append(pick(givenNameCharacters)) }
            return out
        case .chineseForeign:
            return phrase.split(separator: "·", omittingEmptySubsequences: false).map { part in
                String(part.map { _ in pick(transliteration) })
            }.joined(separator: "·")
        case .chinesePlace:
            // Each level of an address keeps its ending; the characters before it are redrawn.
            var out = ""
            for level in levels(of: phrase) {
                let ending = kindEnding(of: level) ?? ""
                for _ in 0..<(level.count - ending.count) { out.append(pick(placeCharacters)) }
                out += ending
            }
            return out
        case .chineseTitle:
            return String(phrase.map { $0.isASCII || $0.isPunctuation ? $0 : pick(givenNameCharacters + placeCharacters) })
        case .chineseSpecies:
            let ending = speciesEndings.first { phrase.hasSuffix($0) } ?? ""
            return String((0..<(phrase.count - ending.count)).map { _ in pick(speciesCharacters) }) + ending
        case .date, .name, .title:
            return phrase
        }
    }

    /// `河南省固始县段集镇` -> [河南省, 固始县, 段集镇]: cut after each level ending that has more after it.
    static func levels(of phrase: String) -> [String] {
        var levels: [String] = []
        var current = ""
        let characters = Array(phrase)
        for (i, character) in characters.enumerated() {
            current.append(character)
            if levelEndings.contains(character), current.count >= 2, characters.count - i - 1 >= 2 {
                levels.append(current)
                current = ""
            }
        }
        if !current.isEmpty { levels.append(current) }
        return levels
    }
}
