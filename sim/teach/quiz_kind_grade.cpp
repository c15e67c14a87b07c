// Grading the quiz's entry, decode and cost questions (quiz_kinds.hpp): the right answer is worked
// out by the walker (entry), from the entry formats of SDM tables 4-4 to 4-20 (decode) and by
// cost.hpp (cost); each wrong part of an answer gets its own hint, the likely slip first.
#include "quiz_kinds.hpp"

#include "bits.hpp"
#include "builder.hpp"
#include "grade.hpp"
#include "lesson_answer.hpp"
#include "quiz_grade.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace vmtour {

namespace {

using bits::bit;
using bits::test;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string index_bits(const LevelDesc& d) { return fmt::format("VA bits {}:{}", d.shift + d.bits - 1, d.shift); }

// A number as the learner typed it: any base (lesson_answer.hpp), hex without 0x only with a letter.
Parsed<std::uint64_t> number(std::string_view text) {
    if (const auto v = parse_learner_number(text)) return {*v, ""};
    return {0, fmt::format("'{}' is not a number", text)};
}

// ---- entry --------------------------------------------------------------------------------

std::string entry_hint(const KindQuiz& q, const Walk& w, unsigned k, std::uint64_t g, std::string& slip) {
    const PagingMode& mode = *q.options.mode;
    const Step& s = w.steps[k];
    const LevelDesc& d = mode.level[s.level];
    const std::uint64_t e = mode.entry_size;
    auto says = [&](std::string name, std::string text) {
        slip = std::move(name);
        return text;
    };
    for (unsigned j = 0; j < w.step_count; ++j)
        if (j != k && w.steps[j].entry_addr == g)
            return says("other-step", fmt::format("that is the {} (step {} of the walk); the {} is step {}",
                                                  mode.level[w.steps[j].level].entry, j + 1, d.entry, k + 1));
    if (g == s.table)
        return says("table-base", fmt::format("that is where the {} begins; add the index ({}) times {}, the "
                                              "entry size",
                                              d.table, index_bits(d), e));
    if (g == s.raw || g == (s.raw & ~std::uint64_t{0xfff}))
        return says("entry-value", fmt::format("that is what the {} holds; the question is where it is", d.entry));
    if (g == s.next) return says("next", fmt::format("that is where the {} points, not where it is", d.entry));
    if (g == s.table + s.index) return says("entry-size", fmt::format("the index counts entries: times {}, the entry size", e));
    if (g == s.table + s.index * (12 - e))
        return says("entry-size", fmt::format("an entry is {} bytes in {}, not {}", e, mode.title, 12 - e));
    if (g > s.table && (g - s.table) % e == 0 && (g - s.table) / e < d.entries()) {
        const std::uint64_t wide = (w.va >> d.shift) & 0x3ff;  // the index read 10 bits wide
        if (d.bits != 10 && (g - s.table) / e == wide)
            return says("10-bit-index", fmt::format("the {} index is {} bits wide ({}), not 10", d.table, d.bits, index_bits(d)));
        return says("wrong-index", fmt::format("you took entry {} of the {}; its index is {}", (g - s.table) / e, d.table,
                                               index_bits(d)));
    }
    const std::string from = k == 0 ? "CR3" : fmt::format("the {} (step {})", mode.level[w.steps[k - 1].level].entry, k);
    return says("wrong-table", fmt::format("not in the {} the walk reads: its address comes from {}", d.table, from));
}

Parsed<KindVerdict> grade_entry(const KindQuiz& q, std::size_t i, std::string_view text) {
    const KindQuestion& k = q.questions[i];
    const Walk w = question_walk(q.base, k.walk_question);
    const PagingMode& mode = *q.options.mode;
    const std::string t = lower(text);
    const bool none = t == "none" || t == "gp" || t == "#gp" || t == "-";
    KindVerdict v;
    v.expected = kind_answer(q, i);
    if (!none && !parse_learner_number(t))
        return {{}, fmt::format("expected the entry's address (0x...) or 'none', not '{}'", text)};
    const bool reads = w.step_count > 0;
    if (!reads) {
        v.right = none;
        v.slip = "canonical";
        v.hint = fmt::format("{:#x} is not canonical: #GP before the walk reads any table (SDM 3.3.7.1)", w.va);
    } else if (none) {
        v.slip = "reads";
        v.hint = fmt::format("the walk reads the {}: step {} of {}", mode.level[k.level].entry, k.level + 1, w.step_count);
    } else {
        const std::uint64_t g = *parse_learner_number(t);
        v.right = g == w.steps[k.level].entry_addr;
        if (!v.right) v.hint = entry_hint(q, w, k.level, g, v.slip);
    }
    if (v.right) {
        v.slip.clear();
        v.hint.clear();
    }
    return {v, ""};
}

// ---- decode -------------------------------------------------------------------------------

constexpr unsigned DECODE_FLAGS[] = {bits::P, bits::RW, bits::US, bits::PWT, bits::PCD, bits::A,
                                     bits::D, bits::PS, bits::G, bits::PAT_LARGE, bits::XD};

std::optional<unsigned> flag_of(std::string_view word) {
    const std::string w = lower(word);
    if (w == "r/w") return bits::RW;
    if (w == "u/s") return bits::US;
    if (w == "nx") return bits::XD;
    for (unsigned b : DECODE_FLAGS)
        if (lower(decode_flag_name(b)) == w) return b;
    return std::nullopt;
}

std::string flag_with_bit(unsigned b, bool pte) {
    const unsigned where = b == bits::PAT_LARGE && pte ? bits::PAT_4K : b;
    return fmt::format("{} (bit {})", decode_flag_name(b), where);
}

struct DecodeAnswer {
    DecodedEntry::Points points = DecodedEntry::Points::NotPresent;
    std::optional<std::uint64_t> address;
    std::vector<unsigned> flags;
};

Parsed<DecodeAnswer> parse_decode(std::string_view text) {
    DecodeAnswer a;
    const std::vector<std::string> words = answer_values(text);
    bool kind = false;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string w = lower(words[i]);
        if (w == "not" && i + 1 < words.size() && lower(words[i + 1]) == "present") return {a, ""};
        if (w == "np" || w == "not-present") return {a, ""};
        if (w == "table" || w == "frame" || w == "page") {
            if (kind) return {{}, "one of 'table' or 'frame', not both"};
            a.points = w == "table" ? DecodedEntry::Points::Table : DecodedEntry::Points::Frame;
            kind = true;
        } else if (const auto f = flag_of(w)) {
            if (std::find(a.flags.begin(), a.flags.end(), *f) == a.flags.end()) a.flags.push_back(*f);
        } else if (const auto n = parse_learner_number(w); n && !a.address) {
            a.address = *n;
        } else {
            return {{}, fmt::format("'{}' is neither an address nor a flag (P RW US PWT PCD A D PS PAT G XD)", words[i])};
        }
    }
    if (!kind) return {{}, "expected 'table 0xADDRESS FLAGS', 'frame 0xADDRESS FLAGS' or 'not present'"};
    if (!a.address) return {{}, fmt::format("'{}' needs the address it points to", a.points == DecodedEntry::Points::Table ? "table" : "frame")};
    return {a, ""};
}

// Why the entry points where it does: what a wrong 'table' / 'frame' / 'not present' missed.
std::string points_hint(const PagingMode& mode, unsigned level, std::uint64_t raw, const DecodedEntry& e,
                        const DecodeAnswer& a, std::string& slip) {
    const LevelDesc& d = mode.level[level];
    const bool last = level + 1 == mode.level_count;
    using P = DecodedEntry::Points;
    if (e.points == P::NotPresent) {
        slip = "not-present";
        return "bit 0 (P) is clear: the entry is not present, and the CPU ignores its other bits";
    }
    if (a.points == P::NotPresent) {
        slip = "present";
        return "bit 0 (P) is set: the entry is present";
    }
    if (e.points == P::Frame && last) {
        slip = "pte-maps-a-page";
        return fmt::format("a {} always maps a 4K page{}", d.entry, test(raw, bits::PAT_4K) ? " (its bit 7 is PAT, not PS)" : "");
    }
    if (e.points == P::Frame) {
        slip = "ps-missed";
        return fmt::format("bit 7 (PS) is set: this {} maps a {} page", d.entry, format_size(e.page_size));
    }
    if (!d.large_leaf) {
        slip = "no-page-here";
        return fmt::format("a {} always points to a {}: it cannot map a page", d.entry, mode.level[level + 1].table);
    }
    slip = "ps-clear";
    return fmt::format("bit 7 (PS) is clear: this {} points to a {}", d.entry, mode.level[level + 1].table);
}

std::string address_hint(const PagingMode& mode, unsigned level, std::uint64_t raw, const DecodedEntry& e,
                         std::uint64_t g, std::string& slip) {
    const LevelDesc& d = mode.level[level];
    const bool large = e.points == DecodedEntry::Points::Frame && level + 1 < mode.level_count;
    const std::string where = fmt::format("the address is bits {}:{}", e.addr_high, e.addr_low);
    slip = slip.empty() ? "address" : slip;
    if (g == raw) return "that is the whole entry: " + where + ", without the flags";
    if (large && d.pse36 && g == (e.address & 0xffffffff))
        return fmt::format("bits 20:13 of a 4M {} are physical-address bits 39:32 (PSE-36, SDM table 4-4)", d.entry);
    if (large && g == (raw & bits::range(mode.entry_size == 4 ? 31 : e.addr_high, 12)))
        return fmt::format("a {} frame is aligned: {}; bit 12 is PAT{}", format_size(e.page_size), where,
                           d.pse36 ? " and bits 20:13 are address bits 39:32 (PSE-36)" : "");
    if (test(raw, bits::XD) && g == (raw & ~std::uint64_t{0xfff}))
        return "bit 63 is XD, a flag: " + where;
    if (g == (raw & ~std::uint64_t{0xfff}) || g == (raw & bits::range(62, 12)))
        return "bits 62:52 are not part of the address: " + where;
    return "not the address: " + where + " (SDM tables 4-4 to 4-20)";
}

std::string flags_hint(const PagingMode& mode, unsigned level, const DecodedEntry& e, const DecodeAnswer& a,
                       std::string& slip) {
    const bool pte = level + 1 == mode.level_count;
    std::vector<std::string> out;
    for (unsigned b : a.flags) {
        if (std::find(e.flags.begin(), e.flags.end(), b) != e.flags.end()) continue;
        if (b == bits::PS && pte && std::find(e.flags.begin(), e.flags.end(), bits::PAT_LARGE) != e.flags.end())
            out.push_back("bit 7 of a PTE is PAT, not PS");
        else if (b == bits::PAT_LARGE && !pte && std::find(e.flags.begin(), e.flags.end(), bits::PS) != e.flags.end() &&
                 std::find(a.flags.begin(), a.flags.end(), bits::PS) == a.flags.end())
            out.push_back("bit 7 of a PDE or PDPTE is PS; in a large page's entry PAT is bit 12");
        else
            out.push_back(fmt::format("{} is clear", flag_with_bit(b, pte)));
    }
    for (unsigned b : e.flags)
        if (std::find(a.flags.begin(), a.flags.end(), b) == a.flags.end() &&
            !(b == bits::PAT_LARGE && pte && std::find(a.flags.begin(), a.flags.end(), bits::PS) != a.flags.end()) &&
            !(b == bits::PS && std::find(a.flags.begin(), a.flags.end(), bits::PAT_LARGE) != a.flags.end()))
            out.push_back(fmt::format("{} is set", flag_with_bit(b, pte)));
    if (out.empty()) return "";
    if (slip.empty()) slip = "flags";
    std::string s = "flags: ";
    for (std::size_t i = 0; i < out.size(); ++i) s += (i ? ", " : "") + out[i];
    return s;
}

Parsed<KindVerdict> grade_decode(const KindQuiz& q, std::size_t i, std::string_view text) {
    const KindQuestion& k = q.questions[i];
    const PagingMode& mode = *q.options.mode;
    const auto a = parse_decode(text);
    if (!a) return {{}, a.error};
    const DecodedEntry e = decode_entry(mode, k.level, k.raw);
    KindVerdict v;
    v.expected = kind_answer(q, i);
    std::vector<std::string> hints;
    if (a.value.points != e.points) hints.push_back(points_hint(mode, k.level, k.raw, e, a.value, v.slip));
    if (e.points != DecodedEntry::Points::NotPresent && a.value.points != DecodedEntry::Points::NotPresent) {
        if (*a.value.address != e.address) hints.push_back(address_hint(mode, k.level, k.raw, e, *a.value.address, v.slip));
        if (auto f = flags_hint(mode, k.level, e, a.value, v.slip); !f.empty()) hints.push_back(std::move(f));
    }
    v.right = hints.empty();
    for (std::size_t h = 0; h < hints.size(); ++h) v.hint += (h ? "; " : "") + hints[h];
    return {v, ""};
}

// ---- cost ---------------------------------------------------------------------------------

std::uint64_t total_tables(const ModeCost& c) {
    std::uint64_t n = 0;
    for (const LevelCost& l : c.levels) n += l.tables;
    return n;
}

// Tables per level if the region were aligned to every table's span: its size divided up.
std::uint64_t unaligned_guess(const PagingMode& mode, const Region& r) {
    std::uint64_t n = 0;
    for (unsigned l = 0; l < mode.level_count; ++l) {
        const std::uint64_t cover = mode.level[l].entry_span() * mode.level[l].entries();
        if (cover <= r.page_size) break;
        n += (r.size + cover - 1) / cover;
    }
    return n;
}

Parsed<KindVerdict> grade_cost(const KindQuiz& q, std::size_t i, std::string_view text) {
    const KindQuestion& k = q.questions[i];
    const PagingMode& mode = *q.options.mode;
    const auto g = number(text);
    if (!g) return {{}, fmt::format("expected a number of tables, not '{}'", text)};
    const ModeCost c = kind_cost(mode, k.region);
    const std::uint64_t want = total_tables(c);
    KindVerdict v;
    v.expected = kind_answer(q, i);
    v.right = g.value == want;
    if (v.right) return {v, ""};
    const unsigned bottom = mode.level_count - 1;
    std::uint64_t small = 0;  // the tables with 4K pages
    {
        Region r = k.region;
        r.page_size = bits::PAGE_SIZE;
        small = total_tables(kind_cost(mode, r));
    }
    if (g.value + 1 == want) {
        v.slip = "top-missed";
        v.hint = fmt::format("count the top table too: CR3 points at one {}", mode.top().table);
    } else if (k.region.page_size == bits::PAGE_SIZE && g.value == c.levels[bottom].tables && bottom > 0) {
        v.slip = "bottom-only";
        v.hint = fmt::format("not only the {}s: every level's tables count, up to the {} CR3 points at",
                             mode.bottom().table, mode.top().table);
    } else if (k.region.page_size != bits::PAGE_SIZE && (g.value == small || g.value > want)) {
        v.slip = "large-pages";
        v.hint = fmt::format("with {} pages the entries that map them are leaves: no tables below them",
                             format_size(k.region.page_size));
    } else if (g.value == unaligned_guess(mode, k.region) || g.value + 1 == unaligned_guess(mode, k.region)) {
        v.slip = "alignment";
        v.hint = "the region is not aligned to the tables' spans: count the tables it touches at each "
                 "level (where it begins and ends), not its size divided by their span";
    } else {
        v.slip = g.value < want ? "too-few" : "too-many";
        std::string spans;
        for (unsigned l = 0; l < mode.level_count; ++l)
            spans += fmt::format("{}{} {}", l ? ", " : "", mode.level[l].table,
                                 span_size(mode.level[l].entry_span() * mode.level[l].entries()));
        v.hint = fmt::format("too {}: at each level count the tables the region touches; one table covers {}",
                             g.value < want ? "few" : "many", spans);
    }
    return {v, ""};
}

}  // namespace

std::string_view decode_flag_name(unsigned b) {
    switch (b) {
    case bits::P: return "P";
    case bits::RW: return "RW";
    case bits::US: return "US";
    case bits::PWT: return "PWT";
    case bits::PCD: return "PCD";
    case bits::A: return "A";
    case bits::D: return "D";
    case bits::PS: return "PS";
    case bits::G: return "G";
    case bits::PAT_LARGE: return "PAT";
    case bits::XD: return "XD";
    default: return "?";
    }
}

DecodedEntry decode_entry(const PagingMode& mode, unsigned level, std::uint64_t raw) {
    DecodedEntry e;
    if (!test(raw, bits::P)) return e;
    const LevelDesc& d = mode.level[level];
    const bool last = level + 1 == mode.level_count, narrow = mode.entry_size == 4;
    const bool leaf = last || (d.large_leaf && test(raw, bits::PS));
    e.points = leaf ? DecodedEntry::Points::Frame : DecodedEntry::Points::Table;
    e.page_size = leaf ? d.entry_span() : 0;
    e.addr_high = narrow ? 31 : mode.default_maxphyaddr - 1;
    e.addr_low = leaf ? d.shift : bits::PAGE_SHIFT;
    e.address = raw & bits::range(e.addr_high, e.addr_low);
    if (narrow && leaf && d.pse36)  // bits 20:13 hold physical bits 39:32 (SDM table 4-4)
        e.address |= ((raw >> bits::PSE36_LOW) & 0xff) << bits::PSE36_PA_SHIFT;
    EntryKind kind;
    kind.leaf = leaf;
    kind.large = leaf && !last;
    kind.pdpte_pae = d.pdpte_pae;
    kind.has_xd = mode.has_xd;
    for (unsigned b : entry_flags(raw, kind))  // a PTE's PAT (bit 7) is answered as PAT, bit 12
        e.flags.push_back(b == bits::PAT_4K && !kind.large ? bits::PAT_LARGE : b);
    return e;
}

std::vector<std::string> decode_explained(const PagingMode& mode, unsigned level, std::uint64_t raw) {
    const DecodedEntry e = decode_entry(mode, level, raw);
    const LevelDesc& d = mode.level[level];
    const bool last = level + 1 == mode.level_count;
    std::vector<std::string> out;
    if (e.points == DecodedEntry::Points::NotPresent) {
        out.push_back("bit 0 (P) is clear: not present; the CPU ignores every other bit (an OS may keep its "
                      "own data there, such as where the page was swapped to)");
        return out;
    }
    out.push_back("bit 0 (P) is set: the entry is present");
    if (last) out.push_back(fmt::format("a {} maps a 4K page{}", d.entry, test(raw, bits::PAT_4K) ? "; its bit 7 is PAT" : ""));
    else if (e.points == DecodedEntry::Points::Frame)
        out.push_back(fmt::format("bit 7 (PS) is set: this {} maps a {} page", d.entry, format_size(e.page_size)));
    else if (d.large_leaf) out.push_back(fmt::format("bit 7 (PS) is clear: it points to a {}", mode.level[level + 1].table));
    else out.push_back(fmt::format("a {} points to a {} (it cannot map a page)", d.entry, mode.level[level + 1].table));
    std::string addr = fmt::format("the address is bits {}:{}", e.addr_high, e.addr_low);
    if (mode.entry_size == 4 && e.points == DecodedEntry::Points::Frame && d.pse36)
        addr += ", and bits 20:13 are address bits 39:32 (PSE-36)";
    out.push_back(fmt::format("{}: {:#x}", addr, e.address));
    std::string names, where;
    for (unsigned b : e.flags) {
        names += fmt::format("{}{}", names.empty() ? "" : " ", decode_flag_name(b));
        where += fmt::format("{}{}", where.empty() ? "" : ", ", b == bits::PAT_LARGE && last ? bits::PAT_4K : b);
    }
    out.push_back(fmt::format("flags set: {} (bit{} {})", names, e.flags.size() == 1 ? "" : "s", where));
    return out;
}

std::string span_size(std::uint64_t bytes) {
    constexpr unsigned peta = 50;
    if (bytes >> peta && bytes % (std::uint64_t{1} << peta) == 0) return fmt::format("{}P", bytes >> peta);
    return format_size(bytes);
}

ModeCost kind_cost(const PagingMode& mode, const Region& r) {
    const Region one[] = {r};
    return table_cost(mode, one);
}

std::string kind_answer(const KindQuiz& q, std::size_t i) {
    const KindQuestion& k = q.questions.at(i);
    const PagingMode& mode = *q.options.mode;
    switch (q.options.kind) {
    case QuizKind::Entry: {
        const Walk w = question_walk(q.base, k.walk_question);
        return w.step_count ? fmt::format("{:#x}", w.steps[k.level].entry_addr) : "none";
    }
    case QuizKind::Decode: {
        const DecodedEntry e = decode_entry(mode, k.level, k.raw);
        if (e.points == DecodedEntry::Points::NotPresent) return "not present";
        std::string out = fmt::format("{} {:#x}", e.points == DecodedEntry::Points::Table ? "table" : "frame", e.address);
        for (unsigned b : e.flags) out += fmt::format(" {}", decode_flag_name(b));
        return out;
    }
    case QuizKind::Cost: return fmt::format("{}", total_tables(kind_cost(mode, k.region)));
    case QuizKind::Translate: break;
    }
    return "";
}

Parsed<KindVerdict> grade_kind_answer(const KindQuiz& q, std::size_t i, std::string_view text) {
    std::string_view t = text;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    if (t.empty()) return {{}, "an empty answer"};
    switch (q.options.kind) {
    case QuizKind::Entry: return grade_entry(q, i, t);
    case QuizKind::Decode: return grade_decode(q, i, t);
    case QuizKind::Cost: return grade_cost(q, i, t);
    case QuizKind::Translate: break;
    }
    return {{}, "translate questions are graded by grade.hpp"};
}

std::vector<std::string> kind_hints(const KindQuiz& q, std::size_t i) {
    const KindQuestion& k = q.questions.at(i);
    const PagingMode& mode = *q.options.mode;
    std::vector<std::string> out;
    switch (q.options.kind) {
    case QuizKind::Entry: {
        const Walk w = question_walk(q.base, k.walk_question);
        if (!w.step_count) {
            out.push_back(fmt::format("is {:#x} canonical? bits 63:{} must all equal bit {}", w.va, mode.va_bits,
                                      mode.va_bits - 1));
            break;
        }
        std::vector<std::string> steps = walk_hints(q.base.machine, w);
        out.assign(steps.begin(), steps.begin() + k.level);
        const Step& s = w.steps[k.level];
        const LevelDesc& d = mode.level[s.level];
        out.push_back(fmt::format("step {}: the {} index is {} = {}; the {} begins at {:#x}; an entry is {} bytes",
                                  k.level + 1, d.table, index_bits(d), s.index, d.table, s.table, mode.entry_size));
        break;
    }
    case QuizKind::Decode: out = decode_explained(mode, k.level, k.raw); break;
    case QuizKind::Cost: {
        const ModeCost c = kind_cost(mode, k.region);
        for (const LevelCost& l : c.levels) {
            const LevelDesc& d = mode.level[l.level];
            out.push_back(fmt::format("a {} covers {}: the region needs {} of them", d.table,
                                      span_size(d.entry_span() * d.entries()), l.tables));
        }
        break;
    }
    case QuizKind::Translate: break;
    }
    out.push_back("the answer is " + kind_answer(q, i));
    return out;
}

}  // namespace vmtour
