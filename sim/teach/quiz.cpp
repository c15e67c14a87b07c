#include "quiz.hpp"

#include "bits.hpp"
#include "builder.hpp"
#include "parse.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <optional>
#include <set>
#include <stdexcept>

namespace vmtour {

std::uint64_t SplitMix64::next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
}

std::uint64_t SplitMix64::below(std::uint64_t n) {
    // 2^64 mod n, computed in 64 bits: (2^64 - n) mod n.
    const std::uint64_t waste = (0 - n) % n;
    std::uint64_t x = next();
    while (x > ~std::uint64_t{0} - waste) x = next();
    return x % n;
}

namespace {

using bits::bit;
using Path = std::vector<unsigned>;  // indices from the top level down to one entry

struct Leaf {
    Path path;            // its length - 1 is the level of the leaf entry
    std::uint64_t pa = 0;
    Perms perms;          // effective: the leaf's rights ANDed with its directory entries'
};

// What the CPU does with an access to a page with these effective rights (SDM 4.6), in the order
// the fault reasons are judged.
Outcome judge(const Perms& p, const Access& a, const Control& c, std::uint64_t pa, int level) {
    const bool write = a.type == AccessType::Write, fetch = a.type == AccessType::Execute;
    auto fault = [&](FaultReason r) { return Outcome{false, 0, r, level}; };
    if (a.user && !p.user) return fault(FaultReason::SupervisorPage);
    if (!a.user && p.user && fetch && c.cr4_smep) return fault(FaultReason::Smep);
    if (!a.user && p.user && !fetch && c.cr4_smap && !c.rflags_ac) return fault(FaultReason::Smap);
    if (write && !p.writable && (a.user || c.cr0_wp)) return fault(FaultReason::ReadOnly);
    if (fetch && !p.executable) return fault(FaultReason::NoExecute);
    return Outcome{true, pa, FaultReason::NotPresent, level};
}

class Generator {
public:
    explicit Generator(const QuizOptions& o)
        : o_(o), mode_(*o.mode), rng_(o.seed), frames_((1 + rng_.below(255)) << 20) {}
    Quiz run();

private:
    unsigned levels() const { return mode_.level_count; }
    unsigned random_index(unsigned level);
    std::uint64_t compose(const Path& p, std::uint64_t offset) const;
    bool usable(const Path& p) const;
    Path new_path(unsigned length);
    std::uint64_t random_frame(std::uint64_t span);
    void add_leaf(const Path& p, std::optional<std::uint64_t> pa = std::nullopt, bool full_rights = false);
    bool in_the_way(const Path& p) const;
    std::optional<Question> pse36();
    void restrict_directory(const Path& table_path, std::vector<std::size_t> members);
    Question mapped();
    Question mapped_on(const Leaf& leaf);
    std::optional<Question> reserved();
    void guarantee();
    void guarantee_kinds_and_huge();
    std::size_t replaceable(const std::vector<std::string>& needed) const;
    std::optional<Question> not_present();
    std::optional<Question> permission();
    std::optional<Question> non_canonical();
    Access random_access() {
        const auto t = static_cast<AccessType>(rng_.below(3));
        return Access{t, rng_.chance(3, 4)};
    }

    const QuizOptions& o_;
    const PagingMode& mode_;
    SplitMix64 rng_;
    FrameAllocator frames_;
    Quiz quiz_;
    std::vector<Leaf> leaves_;
    std::set<Path> present_;  // every entry the tables hold, by its path
    std::set<Path> leaf_paths_;
    std::set<std::uint64_t> used_pa_;
};

unsigned Generator::random_index(unsigned level) {
    const std::uint64_t n = mode_.level[level].entries();
    // 64-bit: the top index picks the half; mostly user space (the lower half), as in a process.
    if (level == 0 && mode_.canonical) return static_cast<unsigned>(rng_.chance(1, 4) ? n / 2 + rng_.below(n / 2) : rng_.below(n / 2));
    return static_cast<unsigned>(rng_.below(n));
}

std::uint64_t Generator::compose(const Path& p, std::uint64_t offset) const {
    std::uint64_t va = offset;
    for (unsigned k = 0; k < p.size(); ++k) va |= std::uint64_t{p[k]} << mode_.level[k].shift;
    if (mode_.canonical && ((va >> (mode_.va_bits - 1)) & 1)) va |= ~(mode_.va_limit() - 1);
    return va;
}

// A path can hold a new entry if that entry is free and no entry above it is a leaf.
bool Generator::usable(const Path& p) const {
    if (present_.count(p)) return false;
    for (std::size_t k = 1; k < p.size(); ++k)
        if (leaf_paths_.count(Path(p.begin(), p.begin() + static_cast<long>(k)))) return false;
    return true;
}

// A fresh path of `length` entries; half the time it shares upper tables with an existing leaf.
Path Generator::new_path(unsigned length) {
    for (unsigned attempt = 0;; ++attempt) {
        Path p;
        if (!leaves_.empty() && rng_.chance(1, 2)) {
            const Path& q = leaves_[rng_.below(leaves_.size())].path;
            const std::size_t most = std::min<std::size_t>(q.size(), length) - 1;
            if (most > 0) p.assign(q.begin(), q.begin() + static_cast<long>(1 + rng_.below(most)));
        }
        while (p.size() < length) p.push_back(random_index(static_cast<unsigned>(p.size())));
        if (usable(p)) return p;
        if (attempt > 1000) throw std::logic_error("quiz: no free path");
    }
}

// A page-aligned physical address for data, above the tables: 2-4 GB in 32-bit modes, 4-64 GB else.
std::uint64_t Generator::random_frame(std::uint64_t span) {
    const std::uint64_t base = mode_.canonical ? std::uint64_t{4} << 30 : std::uint64_t{2} << 30;
    const std::uint64_t room = mode_.canonical ? std::uint64_t{60} << 30 : std::uint64_t{2} << 30;
    for (;;) {
        const std::uint64_t pa = base + rng_.below(room / span) * span;
        if (used_pa_.insert(pa).second) return pa;
    }
}

void Generator::add_leaf(const Path& p, std::optional<std::uint64_t> pa, bool full_rights) {
    const unsigned level = static_cast<unsigned>(p.size() - 1);
    const std::uint64_t span = mode_.level[level].entry_span();
    Leaf leaf{p, pa ? *pa : random_frame(span), Perms{}};
    std::uint64_t flags = bit(bits::RW) | bit(bits::US);
    if (o_.faults && !full_rights) {
        flags = (rng_.chance(2, 3) ? bit(bits::US) : 0) | (rng_.chance(1, 2) ? bit(bits::RW) : 0);
        if (mode_.has_xd && rng_.chance(1, 3)) flags |= bit(bits::XD);
    }
    leaf.perms = Perms{bits::test(flags, bits::US), bits::test(flags, bits::RW), !bits::test(flags, bits::XD)};
    PageTableBuilder b(quiz_.machine, frames_);
    const std::string err = b.map({compose(p, 0), leaf.pa, span, span, flags});
    if (!err.empty()) throw std::logic_error("quiz: " + err);
    for (std::size_t k = 1; k <= p.size(); ++k) present_.insert(Path(p.begin(), p.begin() + static_cast<long>(k)));
    leaf_paths_.insert(p);
    leaves_.push_back(std::move(leaf));
}

// Takes one right away in the directory entry that points to a page table: R/W, U/S or (with
// XD) execution. The pages below keep their own bits; the CPU ANDs them (SDM 4.6).
void Generator::restrict_directory(const Path& table_path, std::vector<std::size_t> members) {
    const Walk w = walk(quiz_.machine, compose(leaves_[members[0]].path, 0), Access{AccessType::Read, false});
    const Step& s = w.steps[table_path.size() - 1];
    const unsigned what = static_cast<unsigned>(rng_.below(mode_.has_xd ? 3 : 2));
    const std::uint64_t raw = what == 0 ? s.raw & ~bit(bits::RW) : what == 1 ? s.raw & ~bit(bits::US) : s.raw | bit(bits::XD);
    if (!quiz_.machine.mem.write_entry(s.entry_addr, mode_.entry_size, raw))  // the entry's frame exists
        throw std::logic_error("quiz: cannot rewrite an entry");
    for (std::size_t i : members) {
        Perms& p = leaves_[i].perms;
        if (what == 0) p.writable = false;
        if (what == 1) p.user = false;
        if (what == 2) p.executable = false;
    }
}

Question Generator::mapped() { return mapped_on(leaves_[rng_.below(leaves_.size())]); }

Question Generator::mapped_on(const Leaf& leaf) {
    const int level = static_cast<int>(leaf.path.size() - 1);
    const std::uint64_t offset = rng_.below(mode_.level[static_cast<unsigned>(level)].entry_span());
    std::vector<AccessType> allowed{AccessType::Read};
    if (leaf.perms.writable) allowed.push_back(AccessType::Write);
    if (leaf.perms.executable) allowed.push_back(AccessType::Execute);
    const Access a{allowed[rng_.below(allowed.size())], leaf.perms.user};
    return Question{compose(leaf.path, offset), a, Outcome{true, leaf.pa + offset, FaultReason::NotPresent, level}, "mapped"};
}

// An address whose walk meets P=0 at some level: below an existing table, an index nobody uses.
std::optional<Question> Generator::not_present() {
    for (unsigned attempt = 0; attempt < 100; ++attempt) {
        const unsigned level = static_cast<unsigned>(rng_.below(levels()));
        std::vector<const Path*> through;
        for (const Leaf& l : leaves_)
            if (l.path.size() > level) through.push_back(&l.path);  // its entries above `level` are tables
        if (through.empty()) continue;
        const Path& q = *through[rng_.below(through.size())];
        Path p(q.begin(), q.begin() + level);
        p.push_back(random_index(level));
        if (present_.count(p)) continue;
        while (p.size() < levels()) p.push_back(random_index(static_cast<unsigned>(p.size())));
        const Access a = random_access();
        return Question{compose(p, rng_.below(bits::PAGE_SIZE)), a,
                        Outcome{false, 0, FaultReason::NotPresent, static_cast<int>(level)}, "not present"};
    }
    return std::nullopt;
}

// A mapped page and an access its rights (or CR4.SMEP/SMAP) refuse.
std::optional<Question> Generator::permission() {
    std::vector<Question> candidates;
    for (const Leaf& leaf : leaves_)
        for (unsigned t = 0; t < 3; ++t)
            for (bool user : {true, false}) {
                const Access a{static_cast<AccessType>(t), user};
                const int level = static_cast<int>(leaf.path.size() - 1);
                const Outcome out = judge(leaf.perms, a, quiz_.machine.ctl, 0, level);
                if (!out.ok) candidates.push_back(Question{compose(leaf.path, 0), a, out, "permission"});
            }
    if (candidates.empty()) return std::nullopt;
    Question q = candidates[rng_.below(candidates.size())];
    q.va |= rng_.below(bits::PAGE_SIZE);
    return q;
}

// A mapped address with one of the sign-extension bits flipped: #GP before any table is read.
std::optional<Question> Generator::non_canonical() {
    if (!mode_.canonical) return std::nullopt;
    Question q = mapped();
    q.va ^= bit(mode_.va_bits + static_cast<unsigned>(rng_.below(64 - mode_.va_bits)));
    q.intended = Outcome{false, 0, FaultReason::NonCanonical, -1};
    q.kind = "non-canonical";
    return q;
}

Quiz Generator::run() {
    Machine& m = quiz_.machine;
    m.mode = &mode_;
    m.name = fmt::format("quiz machine ({} seed {})", mode_.key, o_.seed);
    m.ctl.cr4_smep = o_.faults && rng_.chance(1, 2);
    m.ctl.cr4_smap = o_.faults && rng_.chance(1, 2);
    // Two or three page tables with 2-4 pages each, their paths sharing upper tables at random.
    const unsigned groups = 2 + static_cast<unsigned>(rng_.below(2));
    std::vector<std::vector<std::size_t>> members(groups);
    std::vector<Path> tables;
    for (unsigned g = 0; g < groups; ++g) {
        tables.push_back(new_path(levels() - 1));
        const unsigned pages = 2 + static_cast<unsigned>(rng_.below(3));
        while (members[g].size() < pages) {
            Path p = tables[g];
            p.push_back(random_index(levels() - 1));
            if (!usable(p)) continue;
            members[g].push_back(leaves_.size());
            add_leaf(p);
        }
    }
    if (o_.huge) {
        add_leaf(new_path(levels() - 1));                            // 4 MB or 2 MB
        if (mode_.canonical) add_leaf(new_path(levels() - 2));       // 1 GB
    }
    if (o_.faults) restrict_directory(tables[1], members[1]);

    const bool wide = mode_.canonical;
    for (unsigned i = 0; i < o_.count; ++i) {
        // Weights: mapped 4, not present 3; with --faults permission 3 and (64-bit) non-canonical 1.
        const std::uint64_t roll = i == 0 ? 0 : rng_.below(o_.faults ? (wide ? 11 : 10) : 7);
        std::optional<Question> q;
        if (roll >= 10) q = non_canonical();
        else if (roll >= 7) q = permission();
        else if (roll >= 4) q = not_present();
        if (!q) q = mapped();
        quiz_.questions.push_back(*q);
    }
    guarantee();
    quiz_.options = o_;
    return std::move(quiz_);
}

// The question to give up for a missing kind: the last one whose kind another question also
// has (so no kind already there is lost), never question 1, and with --huge never the only one
// a large page answers; the number of questions when there is none.
std::size_t Generator::replaceable(const std::vector<std::string>& needed) const {
    const auto& qs = quiz_.questions;
    auto large = [&](const Question& q) { return q.intended.ok && q.intended.level + 1 < static_cast<int>(levels()); };
    const auto larges = std::count_if(qs.begin(), qs.end(), large);
    for (std::size_t i = qs.size(); i-- > 1;) {  // question 1 stays: a translation to start with
        const Question& q = qs[i];
        if (o_.huge && large(q) && larges == 1) continue;
        const bool needed_kind = std::find(needed.begin(), needed.end(), q.kind) != needed.end();
        const auto same = std::count_if(qs.begin(), qs.end(), [&](const Question& o) { return o.kind == q.kind; });
        if (!needed_kind || same > 1) return i;
    }
    return qs.size();
}

// --huge promises a question answered by a large page, --faults one question of each kind of
// fault it enables (not present, permission, and non-canonical in 4/5-level), as far as --count
// allows. Drawn after everything else, so that a problem that already keeps the promises is the
// one the same seed gave before the promises were made.
void Generator::guarantee() {
    guarantee_kinds_and_huge();
    auto& qs = quiz_.questions;
    std::vector<std::string> needed;
    if (o_.faults) needed = {"not present", "permission", "reserved bit"};
    if (o_.faults && mode_.canonical) needed.push_back("non-canonical");
    if (o_.huge && mode_.level[0].pse36) {
        needed.push_back("pse-36");
        const std::size_t i = replaceable(needed);
        if (i < qs.size())
            if (auto q = pse36()) qs[i] = *q;
    }
    if (!o_.faults) return;
    const std::size_t i = replaceable(needed);
    if (i == qs.size()) return;  // --count too small
    if (auto q = reserved()) qs[i] = *q;
}

void Generator::guarantee_kinds_and_huge() {
    auto& qs = quiz_.questions;
    std::vector<std::string> needed;
    if (o_.faults) {
        needed = {"not present", "permission"};
        if (mode_.canonical) needed.push_back("non-canonical");
    }
    for (const std::string& kind : needed) {
        if (std::any_of(qs.begin(), qs.end(), [&](const Question& q) { return q.kind == kind; })) continue;
        const std::size_t i = replaceable(needed);
        if (i == qs.size()) break;  // --count too small for every kind
        std::optional<Question> q = kind == "permission" ? permission() : kind == "not present" ? not_present() : non_canonical();
        if (q) qs[i] = *q;
    }
    if (!o_.huge) return;
    const unsigned small = levels() - 1;  // the level of a 4K leaf
    if (std::any_of(qs.begin(), qs.end(), [&](const Question& q) { return q.intended.ok && q.intended.level < static_cast<int>(small); }))
        return;
    std::vector<const Leaf*> large;
    for (const Leaf& l : leaves_)
        if (l.path.size() - 1 < small && l.perms.user) large.push_back(&l);
    if (large.empty())
        for (const Leaf& l : leaves_)
            if (l.path.size() - 1 < small) large.push_back(&l);
    if (large.empty()) return;
    // The last question whose kind another question has too, else the last one that is no fault
    // --faults promised.
    std::size_t i = replaceable(needed);
    if (i == qs.size()) i = qs.size() - 1;
    qs[i] = mapped_on(*large[rng_.below(large.size())]);
}

// A large page whose entry has a reserved bit set: bit 21 of a 4 MB PDE (reserved above the
// PSE-36 bits, SDM table 4-4), bit 13 of a 2 MB PDE (bits 20:13 are reserved, SDM tables 4-9,
// 4-17). Any access to it is #PF with RSVD (and P) in the error code (SDM 4.7), whatever the
// rights. Added last, after every other question was drawn, and never where a not-present
// question's walk would now find an entry.
// Whether a not-present question's walk would meet the entries of a new path.
bool Generator::in_the_way(const Path& p) const {
    for (const Question& q : quiz_.questions) {
        if (q.kind != "not present") continue;
        bool same = true;
        for (int k = 0; k <= q.intended.level && same && k < static_cast<int>(p.size()); ++k) {
            const LevelDesc& d = mode_.level[static_cast<unsigned>(k)];
            same = p[static_cast<unsigned>(k)] == ((q.va >> d.shift) & (d.entries() - 1));
        }
        if (same) return true;
    }
    return false;
}

// 32-bit paging with PSE-36 (SDM 4.3, table 4-4): a 4 MB PDE holds physical bits 39:32 in its
// bits 20:13, so a 4 MB page can lie above 4 GiB although every entry is 4 bytes. A user page
// with full rights between 4 GiB and 1 TiB (MAXPHYADDR 40), added last like reserved().
std::optional<Question> Generator::pse36() {
    for (unsigned attempt = 0; attempt < 100; ++attempt) {
        const Path p = new_path(1);
        if (in_the_way(p)) continue;
        constexpr std::uint64_t four_g = std::uint64_t{4} << 30, span = std::uint64_t{4} << 20;
        const std::uint64_t pa = four_g + rng_.below(((std::uint64_t{1} << 40) - four_g) / span) * span;
        if (!used_pa_.insert(pa).second) continue;
        add_leaf(p, pa, true);  // full rights: the question is the address
        Question q = mapped_on(leaves_.back());
        leaves_.pop_back();
        q.kind = "pse-36";
        return q;
    }
    return std::nullopt;
}

std::optional<Question> Generator::reserved() {
    const unsigned level = levels() - 2;  // the PDE
    for (unsigned attempt = 0; attempt < 100; ++attempt) {
        const Path p = new_path(level + 1);
        if (in_the_way(p)) continue;
        add_leaf(p);
        leaves_.pop_back();  // never a page for the other kinds of question
        const Walk w = walk(quiz_.machine, compose(p, 0), Access{AccessType::Read, false});
        const Step& st = w.steps[level];
        const unsigned rsvd = mode_.entry_size == 4 ? 21 : 13;
        if (!quiz_.machine.mem.write_entry(st.entry_addr, mode_.entry_size, st.raw | bit(rsvd)))
            throw std::logic_error("quiz: cannot rewrite an entry");
        const Access a = random_access();
        return Question{compose(p, rng_.below(mode_.level[level].entry_span())), a,
                        Outcome{false, 0, FaultReason::ReservedBit, static_cast<int>(level)}, "reserved bit"};
    }
    return std::nullopt;
}

}  // namespace

Quiz make_quiz(const QuizOptions& options) {
    if (!options.mode) throw std::invalid_argument("quiz: no paging mode");
    if (options.count < 1 || options.count > 16) throw std::invalid_argument("quiz: the count must be 1 to 16");
    return Generator(options).run();
}

std::string question_text(const Question& q) {
    return fmt::format("{} {} of {:#x}", q.access.user ? "user-mode" : "supervisor-mode", access_name(q.access.type), q.va);
}

std::string answer_text(const Machine& m, const Walk& w) {
    if (w.ok) return fmt::format("{:#x} (a {} page)", w.translation.pa, format_size(w.translation.page_size));
    if (w.fault.reason == FaultReason::NonCanonical) return "#GP: the address is not canonical";
    if (w.fault.general_protection) return fmt::format("#GP: {}", describe(w.fault, w, *m.mode));
    return fmt::format("#PF, error code {:#x}: {}", w.fault.error_code, describe(w.fault, w, *m.mode));
}

}  // namespace vmtour
