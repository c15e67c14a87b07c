#include "grade.hpp"

#include "bits.hpp"
#include "model_walk.hpp"

#include <cctype>
#include <fmt/format.h>
#include <optional>

namespace vmtour {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// "step 3, the PDE at 0x6702ff0"
std::string step_name(const Machine& m, const Walk& w, int step) {
    const Step& s = w.steps[static_cast<unsigned>(step)];
    return fmt::format("step {}, the {} at {:#x}", step + 1, m.mode->level[s.level].entry, s.entry_addr);
}

// "VA bits 29:21"
std::string index_bits(const LevelDesc& d) { return fmt::format("VA bits {}:{}", d.shift + d.bits - 1, d.shift); }

std::string flag_labels(const Machine& m, unsigned level, std::uint64_t raw) {
    std::string out;
    const bool last = level + 1 == m.mode->level_count;
    for (const bits::FlagName& f : bits::FLAG_NAMES) {
        if (!bits::test(raw, f.bit) || f.bit == bits::A || f.bit == bits::D) continue;
        if (f.bit == bits::PS && (last || !m.mode->level[level].large_leaf)) continue;
        if (f.bit == bits::PAT_4K && f.name == "pat") continue;  // PS's bit; PAT is not graded
        if (f.bit == bits::XD && !m.mode->has_xd) continue;
        out += out.empty() ? "" : " ";
        out += f.label;
    }
    return out.empty() ? "no flags" : out;
}

// The first step where a model's walk leaves the true one: another entry read, or the same entry
// taken for a leaf where it is a table (or the other way round).
int parting_step(const Walk& truth, const ModelWalk& mw) {
    for (std::size_t i = 0; i < mw.steps.size() && i < truth.step_count; ++i) {
        const Step& t = truth.steps[i];
        if (mw.steps[i].entry_addr != t.entry_addr) return static_cast<int>(i);
        if (t.kind == StepKind::Leaf || t.kind == StepKind::Table)
            if (mw.steps[i].leaf != (t.kind == StepKind::Leaf)) return static_cast<int>(i);
    }
    if (mw.steps.size() != truth.step_count) return static_cast<int>(std::min<std::size_t>(mw.steps.size(), truth.step_count));
    return -1;
}

template <typename Pred>
int first_step_where(const Walk& w, Pred pred) {
    for (unsigned i = 0; i < w.step_count; ++i)
        if (pred(w.steps[i])) return static_cast<int>(i);
    return static_cast<int>(w.step_count) - 1;
}

struct Candidate {
    Slip slip;
    Knobs knobs;
};

// The misconceptions to try, most specific first: the rules, then (with `search`) every other
// entry size and every other index at each step.
std::vector<Candidate> candidates(const Machine& m, const Walk& truth, bool search) {
    const PagingMode& mode = *m.mode;
    std::vector<Candidate> c;
    auto add = [&](Slip s, auto set) {
        Knobs k;
        set(k);
        c.push_back({s, k});
    };
    add(Slip::Canonical, [](Knobs& k) { k.canonical = false; });
    add(Slip::Reserved, [](Knobs& k) { k.reserved = false; });
    add(Slip::IgnorePs, [](Knobs& k) { k.honour_ps = false; });
    add(Slip::PseWithoutCr4, [](Knobs& k) { k.ps_needs_cr4 = false; });
    add(Slip::Pse36, [](Knobs& k) { k.pse36 = false; });
    add(Slip::UsNotAnded, [](Knobs& k) { k.and_us = false; });
    add(Slip::RwNotAnded, [](Knobs& k) { k.and_rw = false; });
    add(Slip::XdIgnored, [](Knobs& k) { k.xd = false; });
    add(Slip::SmepSmap, [](Knobs& k) { k.smep_smap = false; });
    add(Slip::Wp, [](Knobs& k) { k.wp = false; });
    if (mode.bottom().bits != 10) add(Slip::WideIndex, [](Knobs& k) { k.index_bits = 10; });
    if (!search) return c;
    for (unsigned size : {1u, 4u, 8u})
        if (size != mode.entry_size) add(Slip::EntrySize, [size](Knobs& k) { k.entry_scale = size; });
    for (unsigned i = 0; i < truth.step_count; ++i) {
        const std::uint64_t n = i == 0 ? mode.top().entries() : mode.level[i].entries();
        for (std::uint64_t idx = 0; idx < n; ++idx)
            if (idx != truth.steps[i].index)
                add(Slip::Index, [i, idx](Knobs& k) {
                    k.force_level = static_cast<int>(i);
                    k.force_index = static_cast<unsigned>(idx);
                });
    }
    return c;
}

std::string slip_hint(const Machine& m, const Walk& truth, Slip slip, int step, const Knobs* k) {
    const PagingMode& mode = *m.mode;
    const std::string at = step >= 0 ? step_name(m, truth, step) : "";
    const LevelDesc* d = step >= 0 ? &mode.level[truth.steps[static_cast<unsigned>(step)].level] : nullptr;
    switch (slip) {
    case Slip::Canonical:
        if (!mode.is_canonical(truth.va))
            return fmt::format("{:#x} is not canonical: bits 63:{} must all equal bit {}; the CPU raises #GP "
                               "before it reads any table (SDM 3.3.7.1)",
                               truth.va, mode.va_bits, mode.va_bits - 1);
        return mode.canonical ? fmt::format("{:#x} is canonical (bits 63:{} all equal bit {}): no #GP, the walk "
                                            "reads the tables",
                                            truth.va, mode.va_bits, mode.va_bits - 1)
                              : "32-bit paging has no canonical check: #GP is not a page-walk answer here";
    case Slip::Reserved: {
        const Step& s = truth.steps[static_cast<unsigned>(step)];
        return fmt::format("{} has reserved bit(s) {:#x} set: a present entry with a reserved bit is #PF with "
                           "P=1 and RSVD=1 (SDM 4.7)",
                           at, s.reserved);
    }
    case Slip::IgnorePs:
        return fmt::format("{} has PS=1: it maps a {} page itself; the walk ends there and the VA's low {} bits "
                           "are the offset (missed a large page)",
                           at, format_size(d->entry_span()), d->shift);
    case Slip::PseWithoutCr4:
        return fmt::format("{} has PS=1 but CR4.PSE=0: then PS is ignored and the PDE points to a page table "
                           "(SDM 4.3)",
                           at);
    case Slip::Pse36:
        return fmt::format("{} maps a 4 MB page: its bits 20:13 are physical-address bits 39:32 "
                           "(PSE-36, SDM table 4-4)",
                           at);
    case Slip::UsNotAnded:
        return fmt::format("{} has U/S=0: U/S is ANDed across the levels, so the page is supervisor-only "
                           "whatever the leaf says (SDM 4.6)",
                           at);
    case Slip::RwNotAnded:
        return fmt::format("{} has R/W=0: R/W is ANDed across the levels, so the page is read-only whatever "
                           "the leaf says (SDM 4.6)",
                           at);
    case Slip::XdIgnored:
        return fmt::format("{} has XD=1 with EFER.NXE=1: XD is ORed across the levels, so no instruction "
                           "fetch from this page (SDM 4.6)",
                           at);
    case Slip::SmepSmap:
        return truth.access.type == AccessType::Execute
                   ? "CR4.SMEP=1: a supervisor-mode instruction fetch from a user page (U/S=1) faults (SDM 4.6)"
                   : "CR4.SMAP=1 and EFLAGS.AC=0: a supervisor-mode data access to a user page (U/S=1) "
                     "faults (SDM 4.6)";
    case Slip::Wp:
        return m.ctl.cr0_wp ? "CR0.WP=1: a supervisor-mode write to a read-only page faults too (SDM 4.6)"
                            : "CR0.WP=0: a supervisor-mode write ignores R/W, only user-mode writes need "
                              "R/W=1 (SDM 4.6)";
    case Slip::WideIndex:
        return fmt::format("{}: the {} index is {} bits wide ({}), not 10", at, d->table, d->bits, index_bits(*d));
    case Slip::EntrySize:
        return fmt::format("{}: an entry is {} bytes, so the entry address is table + index * {}", at,
                           mode.entry_size, mode.entry_size);
    case Slip::Index:
        return fmt::format("{}: wrong index; you read entry {} of the {}, but the index is {}", at,
                           k ? k->force_index : 0, d->table, index_bits(*d));
    default: return "";
    }
}

// Where a fault's walk stops and why, without the error code.
std::string fault_missed_hint(const Machine& m, const Walk& truth) {
    const int at = truth.fault.level;
    if (truth.fault.reason == FaultReason::NotPresent)
        return fmt::format("the walk does not reach a page: look at the P bit at {}", step_name(m, truth, at));
    return fmt::format("the walk reaches a page, but a {} {} is refused: check U/S and R/W at every level, XD, "
                       "CR4.SMEP/SMAP and CR0.WP (SDM 4.6)",
                       truth.access.user ? "user-mode" : "supervisor-mode", access_name(truth.access.type));
}

std::string error_code_hint(const Machine& m, const Walk& truth, std::uint32_t given) {
    const std::uint32_t want = truth.fault.error_code, diff = want ^ given;
    std::string out = "the right fault, a wrong error-code bit:";
    auto add = [&](std::uint32_t bit, std::string_view text) {
        if (diff & bit) out += fmt::format(" {}={} {};", text.substr(0, text.find(' ')), (want & bit) ? 1 : 0,
                                           text.substr(text.find(' ') + 1));
    };
    add(pf::P, (want & pf::P) ? "P (bit 0) the entries are present: a protection or reserved-bit fault"
                              : "P (bit 0) an entry is not present");
    add(pf::WR, truth.access.type == AccessType::Write ? "W/R (bit 1) the access is a write"
                                                        : "W/R (bit 1) the access is not a write");
    add(pf::US, truth.access.user ? "U/S (bit 2) the access is made in user mode (the error code describes the access)"
                                  : "U/S (bit 2) the access is made in supervisor mode (the error code describes "
                                    "the access)");
    add(pf::RSVD, (want & pf::RSVD) ? "RSVD (bit 3) a reserved bit is set" : "RSVD (bit 3) no reserved bit is set");
    add(pf::ID, (want & pf::ID) ? "I/D (bit 4) an instruction fetch while EFER.NXE=1 or CR4.SMEP=1"
                                : "I/D (bit 4) set only for an instruction fetch while EFER.NXE=1 or CR4.SMEP=1");
    if (diff & ~std::uint32_t{0x1f}) out += " bits above 4 are not set by a page walk;";
    out.back() = ' ';
    out += fmt::format("(SDM 4.7; the walk stops at {})", truth.fault.level >= 0 ? step_name(m, truth, truth.fault.level)
                                                                                : "no step");
    return out;
}

}  // namespace

Parsed<Answer> parse_answer(std::string_view text) {
    const std::string t = lower(trim(text));
    std::string_view s = t;
    if (s.starts_with('#')) s.remove_prefix(1);
    if (s == "gp") return {Answer{AnswerKind::GeneralProtection, 0, 0}, ""};
    auto bad = [&] {
        return Parsed<Answer>{{}, fmt::format("expected 0xADDRESS, 'pf 0xCODE' or 'gp', not '{}'", quote(trim(text)))};
    };
    if (s.starts_with("pf")) {
        const std::string_view code = trim(s.substr(2));
        if (code.empty()) return {{}, "'pf' needs the error code: 'pf 0x5'"};
        auto n = parse_u64(code);
        if (!n) return {{}, fmt::format("bad error code: {}", n.error)};
        if (n.value > 0xffffffff) return {{}, fmt::format("error code {} does not fit in 32 bits", code)};
        return {Answer{AnswerKind::PageFault, n.value, 0}, ""};
    }
    if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return bad();
    auto n = parse_u64(s);
    if (!n) return {{}, fmt::format("bad physical address: {}", n.error)};
    return {Answer{AnswerKind::Address, n.value, 0}, ""};
}

Parsed<std::vector<Answer>> parse_answers(std::string_view text, std::string_view name) {
    Parsed<std::vector<Answer>> out;
    unsigned line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        // "#PF 0x5" and "#gp" are answers; any other '#' starts a comment.
        const std::string head = lower(trim(line).substr(0, 3));
        const std::size_t skip = (head == "#pf" || head == "#gp") ? line.find('#') + 1 : 0;
        if (const auto hash = line.find('#', skip); hash != std::string_view::npos) line = line.substr(0, hash);
        if (trim(line).empty()) continue;
        auto a = parse_answer(line);
        if (!a) {
            out.error = fmt::format("{}:{}: {}", name, line_no, a.error);
            return out;
        }
        a.value.line = line_no;
        out.value.push_back(a.value);
    }
    return out;
}

Answer answer_of(const Walk& w) {
    if (w.ok) return Answer{AnswerKind::Address, w.translation.pa, 0};
    if (w.fault.general_protection) return Answer{AnswerKind::GeneralProtection, 0, 0};
    return Answer{AnswerKind::PageFault, w.fault.error_code, 0};
}

std::string answer_word(const Answer& a) {
    switch (a.kind) {
    case AnswerKind::Address: return fmt::format("{:#x}", a.value);
    case AnswerKind::PageFault: return fmt::format("pf {:#x}", a.value);
    case AnswerKind::GeneralProtection: return "gp";
    }
    return "?";
}

std::string_view slip_name(Slip s) {
    switch (s) {
    case Slip::None: return "none";
    case Slip::Offset: return "offset";
    case Slip::Index: return "wrong-index";
    case Slip::WideIndex: return "10-bit-index";
    case Slip::EntrySize: return "entry-size";
    case Slip::IgnorePs: return "ignores-ps";
    case Slip::PseWithoutCr4: return "pse-without-cr4";
    case Slip::Pse36: return "pse36";
    case Slip::UsNotAnded: return "us-not-anded";
    case Slip::RwNotAnded: return "rw-not-anded";
    case Slip::XdIgnored: return "xd-ignored";
    case Slip::Canonical: return "canonical";
    case Slip::Reserved: return "reserved-bit";
    case Slip::SmepSmap: return "smep-smap";
    case Slip::Wp: return "cr0-wp";
    case Slip::FaultMissed: return "fault-missed";
    case Slip::NoFault: return "no-fault";
    case Slip::ErrorCode: return "error-code";
    case Slip::Unexplained: return "unexplained";
    }
    return "?";
}

Verdict grade(const Machine& m, const Walk& truth, const Answer& given) {
    Verdict v;
    v.expected = answer_of(truth);
    if (given == v.expected) {
        v.right = true;
        return v;
    }
    const PagingMode& mode = *m.mode;
    auto done = [&](Slip s, int step, std::string hint) {
        v.slip = s;
        v.step = step;
        v.hint = std::move(hint);
        return v;
    };
    // The frame right, the offset not: no model needed.
    if (given.kind == AnswerKind::Address && truth.ok) {
        const std::uint64_t low = truth.translation.page_size - 1;
        if ((given.value & ~low) == (truth.translation.pa & ~low))
            return done(Slip::Offset, static_cast<int>(truth.step_count) - 1,
                        fmt::format("the frame is right; the offset is the VA's low {} bits ({} page), copied "
                                    "unchanged",
                                    mode.level[truth.translation.leaf_level].shift,
                                    format_size(truth.translation.page_size)));
    }
    // The search for a wrong index or entry size only explains an address: a fault given where an
    // entry read wrongly happens to be empty is better told by the rules, the error-code bits or
    // "the access succeeds" than by a guess at which empty entry was read.
    const bool search = given.kind == AnswerKind::Address;
    for (const Candidate& c : candidates(m, truth, search)) {
        const ModelWalk mw = model_walk(m, truth, c.knobs);
        if (!(mw.answer == given)) continue;
        int step = parting_step(truth, mw);
        if (step < 0) {
            if (c.slip == Slip::UsNotAnded) step = first_step_where(truth, [](const Step& s) { return !s.perms.user; });
            else if (c.slip == Slip::RwNotAnded) step = first_step_where(truth, [](const Step& s) { return !s.perms.writable; });
            else if (c.slip == Slip::XdIgnored) step = first_step_where(truth, [](const Step& s) { return !s.perms.executable; });
            else if (c.slip == Slip::Reserved) step = truth.fault.level;
            else if (c.slip != Slip::Canonical) step = static_cast<int>(truth.step_count) - 1;
        }
        if (c.slip == Slip::Reserved) step = truth.fault.level;
        return done(c.slip, step, slip_hint(m, truth, c.slip, step, &c.knobs));
    }
    if (given.kind == AnswerKind::GeneralProtection || v.expected.kind == AnswerKind::GeneralProtection)
        return done(Slip::Canonical, -1, slip_hint(m, truth, Slip::Canonical, -1, nullptr));
    if (given.kind == AnswerKind::Address && !truth.ok)
        return done(Slip::FaultMissed, truth.fault.level, fault_missed_hint(m, truth));
    if (given.kind == AnswerKind::PageFault && truth.ok)
        return done(Slip::NoFault, -1,
                    fmt::format("the access succeeds: every entry on the walk is present and allows a {} {}; the "
                                "answer is an address",
                                truth.access.user ? "user-mode" : "supervisor-mode", access_name(truth.access.type)));
    if (given.kind == AnswerKind::PageFault)
        return done(Slip::ErrorCode, truth.fault.level, error_code_hint(m, truth, static_cast<std::uint32_t>(given.value)));
    const LevelDesc& top = mode.top();
    return done(Slip::Unexplained, -1,
                fmt::format("no single slip gives {:#x}: redo the walk from step 1 (the {} index is {})", given.value,
                            top.table, index_bits(top)));
}

std::vector<std::string> walk_hints(const Machine& m, const Walk& truth) {
    const PagingMode& mode = *m.mode;
    std::vector<std::string> out;
    if (!mode.is_canonical(truth.va)) {
        out.push_back(slip_hint(m, truth, Slip::Canonical, -1, nullptr));
    }
    for (unsigned i = 0; i < truth.step_count; ++i) {
        const Step& s = truth.steps[i];
        const LevelDesc& d = mode.level[s.level];
        std::string h = fmt::format("step {}: the {} index is {} = {}; the {} is at {:#x} + {} * {} = {:#x} and "
                                    "holds {:#x} [{}]",
                                    i + 1, d.table, index_bits(d), s.index, d.entry, s.table, s.index,
                                    mode.entry_size, s.entry_addr, s.raw, flag_labels(m, s.level, s.raw));
        switch (s.kind) {
        case StepKind::Table:
            h += fmt::format(": the next table is at {:#x}", s.next);
            break;
        case StepKind::Leaf:
            h += fmt::format(": it maps a {} page at {:#x}", format_size(d.entry_span()), s.next);
            break;
        case StepKind::NotPresent: h += ": P=0, not present"; break;
        case StepKind::Reserved: h += fmt::format(": reserved bit(s) {:#x} set", s.reserved); break;
        }
        out.push_back(std::move(h));
    }
    std::string last = fmt::format("the answer is {}", answer_word(answer_of(truth)));
    if (!truth.ok && !truth.fault.general_protection) last += ": " + describe(truth.fault, truth, mode);
    out.push_back(std::move(last));
    return out;
}

}  // namespace vmtour
