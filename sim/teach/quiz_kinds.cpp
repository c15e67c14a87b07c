// The quiz's kinds of question other than translate: generation, the questions' text and the
// answer file. Grading and hints are in quiz_kind_grade.cpp.
#include "quiz_kinds.hpp"

#include "bits.hpp"
#include "quiz_grade.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <stdexcept>

namespace vmtour {

namespace {

using bits::bit;

constexpr std::string_view KIND_NAMES[] = {"translate", "entry", "decode", "cost"};

// entry: one level of each translate question's walk; a walk that reads no table (#GP on a
// non-canonical address) gets a level of its own, which it never reaches.
void make_entry(KindQuiz& q, SplitMix64& rng) {
    q.base = make_quiz(q.options);
    for (std::size_t i = 0; i < q.base.questions.size(); ++i) {
        const Walk w = question_walk(q.base, i);
        const unsigned n = w.step_count ? w.step_count : q.options.mode->level_count;
        q.questions.push_back({i, static_cast<unsigned>(rng.below(n)), 0, {0, 0}});
    }
}

// decode: an entry at a random level as the tables could hold it (SDM tables 4-4 to 4-20): one in
// eight not present (the rest of its bits left as an OS might), else a table pointer or (where
// the level allows, PS=1) a page, with a random choice of the flags that level has. CR4.PSE=1,
// so a 32-bit PDE may map a 4 MB page, half of them above 4 GiB (PSE-36).
std::uint64_t decode_raw(const PagingMode& mode, unsigned level, SplitMix64& rng) {
    const LevelDesc& d = mode.level[level];
    const bool last = level + 1 == mode.level_count, narrow = mode.entry_size == 4;
    if (rng.chance(1, 8)) {
        const std::uint64_t old_frame = (1 + rng.below(0xfffff)) << bits::PAGE_SHIFT;
        return old_frame | (rng.chance(1, 2) ? bit(bits::RW) : 0) | (rng.chance(1, 2) ? bit(bits::US) : 0);
    }
    const bool leaf = last || (d.large_leaf && rng.chance(1, 2));
    const std::uint64_t span = leaf ? d.entry_span() : bits::PAGE_SIZE;
    const unsigned top = narrow ? (leaf && d.pse36 && rng.chance(1, 2) ? 40 : 32) : 40;
    const std::uint64_t addr = (1 + rng.below((std::uint64_t{1} << top) / span - 1)) * span;
    std::uint64_t raw = bit(bits::P);
    if (narrow && leaf && !last) raw |= (addr & bits::range(31, 22)) | ((addr >> bits::PSE36_PA_SHIFT) << bits::PSE36_LOW);
    else raw |= addr;
    if (d.pdpte_pae) {  // only P, PWT and PCD exist (SDM table 4-8)
        if (rng.chance(1, 8)) raw |= bit(bits::PWT);
        if (rng.chance(1, 8)) raw |= bit(bits::PCD);
        return raw;
    }
    if (rng.chance(3, 4)) raw |= bit(bits::RW);
    if (rng.chance(1, 2)) raw |= bit(bits::US);
    if (rng.chance(1, 8)) raw |= bit(bits::PWT);
    if (rng.chance(1, 8)) raw |= bit(bits::PCD);
    if (rng.chance(1, 2)) raw |= bit(bits::A);
    if (leaf) {
        if (rng.chance(1, 3)) raw |= bit(bits::D);
        if (rng.chance(1, 4)) raw |= bit(bits::G);
        if (rng.chance(1, 6)) raw |= bit(last ? bits::PAT_4K : bits::PAT_LARGE);
        if (!last) raw |= bit(bits::PS);
    }
    if (mode.has_xd && rng.chance(1, 3)) raw |= bit(bits::XD);
    return raw;
}

void make_decode(KindQuiz& q, SplitMix64& rng) {
    const PagingMode& mode = *q.options.mode;
    for (unsigned i = 0; i < q.options.count; ++i) {
        const unsigned level = static_cast<unsigned>(rng.below(mode.level_count));
        q.questions.push_back({0, level, decode_raw(mode, level, rng), {0, 0}});
    }
}

// The page sizes a region may use: 4K, and with --huge the large pages of the mode.
std::vector<std::uint64_t> page_sizes(const PagingMode& mode, bool huge) {
    std::vector<std::uint64_t> out{bits::PAGE_SIZE};
    if (huge)
        for (const LevelDesc& d : mode.levels())
            if (d.large_leaf) out.push_back(d.entry_span());
    return out;
}

// cost: one region in the user half (the lower half in 64-bit modes); half of them start just
// below a boundary where a table of some level ends, so that alignment matters.
Region cost_region(const PagingMode& mode, bool huge, SplitMix64& rng) {
    const std::vector<std::uint64_t> sizes = page_sizes(mode, huge);
    const std::uint64_t limit = mode.canonical ? mode.va_limit() / 2 : mode.va_limit();
    const unsigned widest = mode.canonical ? 18 : 15;  // sizes up to 16 x 512M, or 16 x 64M
    for (;;) {
        const std::uint64_t page = sizes[rng.chance(1, 2) ? 0 : rng.below(sizes.size())];
        const std::uint64_t unit = page == bits::PAGE_SIZE ? page << rng.below(widest) : page << rng.below(3);
        const std::uint64_t size = (1 + rng.below(16)) * unit;
        std::uint64_t start = rng.below(limit / page) * page;
        if (rng.chance(1, 2)) {
            const unsigned k = static_cast<unsigned>(rng.below(mode.level_count - 1));  // a table of level k+1 ends
            const std::uint64_t cover = std::max(mode.level[k].entry_span(), page);
            start = rng.below(limit / cover) * cover;
            start = start >= 8 * page ? start - (1 + rng.below(8)) * page : start;
        }
        if (size <= limit && start <= limit - size) return Region{start, size, page};
    }
}

void make_cost(KindQuiz& q, SplitMix64& rng) {
    for (unsigned i = 0; i < q.options.count; ++i)
        q.questions.push_back({0, 0, 0, cost_region(*q.options.mode, q.options.huge, rng)});
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view quiz_kind_name(QuizKind k) { return KIND_NAMES[static_cast<int>(k)]; }

std::optional<QuizKind> parse_quiz_kind(std::string_view name) {
    for (std::size_t i = 0; i < std::size(KIND_NAMES); ++i)
        if (KIND_NAMES[i] == name) return static_cast<QuizKind>(i);
    return std::nullopt;
}

KindQuiz make_kind_quiz(const QuizOptions& options) {
    if (!options.mode) throw std::invalid_argument("quiz: no paging mode");
    if (options.count < 1 || options.count > 16) throw std::invalid_argument("quiz: the count must be 1 to 16");
    if (options.kind == QuizKind::Translate) throw std::invalid_argument("quiz: translate is make_quiz's");
    KindQuiz q;
    q.options = options;
    q.base.options = options;
    q.base.machine.mode = options.mode;
    SplitMix64 rng(options.seed);
    switch (options.kind) {
    case QuizKind::Entry: make_entry(q, rng); break;
    case QuizKind::Decode: make_decode(q, rng); break;
    case QuizKind::Cost: make_cost(q, rng); break;
    case QuizKind::Translate: break;
    }
    q.base.options = options;
    return q;
}

std::string kind_question_text(const KindQuiz& q, std::size_t i) {
    const PagingMode& mode = *q.options.mode;
    const KindQuestion& k = q.questions.at(i);
    switch (q.options.kind) {
    case QuizKind::Entry:
        return fmt::format("the {} read by a {}", mode.level[k.level].entry, question_text(q.base.questions[k.walk_question]));
    case QuizKind::Decode:
        return fmt::format("a {} (level {} of {}) holding {:#0{}x}", mode.level[k.level].entry, k.level + 1,
                           mode.level_count, k.raw, mode.entry_size * 2 + 2);
    case QuizKind::Cost:
        return fmt::format("{:#x}-{:#x} ({}) with {} pages", k.region.start, k.region.start + k.region.size - 1,
                           format_size(k.region.size), format_size(k.region.page_size));
    case QuizKind::Translate: break;
    }
    return "";
}

Parsed<std::vector<KindGraded>> grade_kind_answer_text(const KindQuiz& q, std::string_view text, std::string_view name) {
    std::vector<KindGraded> out;
    unsigned line_no = 0;
    std::size_t pos = 0;
    const std::size_t n = q.questions.size();
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        line = trim(line);
        if (line.empty()) continue;
        if (out.size() == n)
            return {{}, fmt::format("{}:{}: answer {}, but the quiz has {} question{}", name, line_no, n + 1, n,
                                    n == 1 ? "" : "s")};
        auto v = grade_kind_answer(q, out.size(), line);
        if (!v) return {{}, fmt::format("{}:{}: {}", name, line_no, v.error)};
        out.push_back({std::string(line), line_no, std::move(v.value)});
    }
    if (out.size() < n)
        return {{}, fmt::format("{}:{}: {} answer{} for {} questions (one line per question, in order)", name,
                                std::max(line_no, 1u), out.size(), out.size() == 1 ? "" : "s", n)};
    return {std::move(out), ""};
}

}  // namespace vmtour
