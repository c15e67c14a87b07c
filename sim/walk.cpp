#include "walk.hpp"

#include "bits.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace vmtour {

using bits::bit;
using bits::range;

std::uint64_t Machine::root() const {
    const unsigned hi = mode->entry_size == 4 ? 31 : std::min(maxphyaddr(), 52u) - 1;
    const unsigned lo = mode->cr3_align == 32 ? 5 : bits::PAGE_SHIFT;
    return ctl.cr3 & range(hi, lo);
}

Mmu::Mmu(const Machine& m) : m_(m), mode_(*m.mode), entry_size_(m.mode->entry_size) {
    const unsigned maxphy = m.maxphyaddr();
    const bool wide = entry_size_ == 8;
    // The highest physical bit an entry can hold: 31 in 32-bit paging, else MAXPHYADDR-1.
    const unsigned phys_hi = wide ? maxphy - 1 : 31;
    // Bits rsvd_top..MAXPHYADDR are reserved in 8-byte entries (SDM tables 4-8 to 4-20).
    const std::uint64_t rsvd_phys = wide ? range(mode_.rsvd_top, maxphy) : 0;
    xd_mask_ = (mode_.has_xd && m.ctl.efer_nxe) ? bit(bits::XD) : 0;
    // Without NXE, bit 63 is reserved wherever XD would be.
    const std::uint64_t rsvd_xd = (mode_.has_xd && !m.ctl.efer_nxe) ? bit(bits::XD) : 0;
    frame_table_ = range(phys_hi, bits::PAGE_SHIFT);
    // PSE-36: a 32-bit 4 MB PDE holds physical bits (M-1):32 in its bits (M-20):13; M is at most 40
    // there, and bits 21:(M-19) are reserved (SDM table 4-4).
    const unsigned m36 = std::clamp(maxphy, 32u, 40u);
    pse36_bits_ = m36 - 32;

    for (unsigned i = 0; i < mode_.level_count; ++i) {
        const LevelDesc& d = mode_.level[i];
        Level& l = lv_[i];
        l.shift = d.shift;
        l.index_mask = d.entries() - 1;
        l.last = i + 1 == mode_.level_count;
        l.pse36 = d.pse36;
        l.has_perms = !d.pdpte_pae;
        l.leaf_ok = l.last || (d.large_leaf && (!d.needs_pse || m.ctl.cr4_pse));
        l.rsvd_table = rsvd_phys | rsvd_xd;
        if (d.ps_reserved) l.rsvd_table |= bit(bits::PS);
        if (d.pdpte_pae) {
            l.rsvd_table = range(63, maxphy);
            for (unsigned b : bits::PDPTE_RSVD_LOW) l.rsvd_table |= bit(b);
        }
        if (l.last) {
            l.rsvd_leaf = rsvd_phys | rsvd_xd;
            l.frame_leaf = range(phys_hi, bits::PAGE_SHIFT);
        } else if (d.pse36) {
            l.rsvd_leaf = range(21, m36 - 19);
            l.frame_leaf = range(31, d.shift);
        } else {
            // A large leaf: bits shift-1..13 are reserved, bit 12 is PAT.
            l.rsvd_leaf = rsvd_phys | rsvd_xd | range(d.shift - 1, bits::PAT_LARGE + 1);
            l.frame_leaf = range(phys_hi, d.shift);
        }
    }
}

// The walk (SDM 4.3-4.6). One loop for every mode: each level reads one entry, stops on P=0 or a
// reserved bit, narrows the permissions, and either ends at a leaf or moves to the next table.
// The permission decision comes after the leaf, as on the CPU. Record=false drops the trace.
template <bool Record>
std::uint64_t Mmu::run(std::uint64_t va, Access access, Walk* w) const {
    auto fail = [&](FaultReason reason, int level, std::uint32_t code) {
        if constexpr (Record) {
            w->ok = false;
            w->fault = Fault{reason, reason == FaultReason::NonCanonical, code, level};
        }
        return NO_TRANSLATION;
    };
    const bool write = access.type == AccessType::Write;
    const bool fetch = access.type == AccessType::Execute;
    // The error code's W/R, U/S and I/D bits describe the access, whatever the fault.
    std::uint32_t code = (write ? pf::WR : 0) | (access.user ? pf::US : 0);
    if (fetch && (xd_mask_ || m_.ctl.cr4_smep)) code |= pf::ID;

    if (!mode_.is_canonical(va)) return fail(FaultReason::NonCanonical, -1, 0);

    Perms perms;
    std::uint64_t table = m_.root();
    for (unsigned i = 0; i < mode_.level_count; ++i) {
        const Level& l = lv_[i];
        const unsigned index = static_cast<unsigned>((va >> l.shift) & l.index_mask);
        const std::uint64_t entry_addr = table + std::uint64_t{index} * entry_size_;
        const std::uint64_t raw = m_.mem.read_entry(entry_addr, entry_size_);
        Step* s = nullptr;
        if constexpr (Record) {
            s = &w->steps[w->step_count++];
            *s = Step{i, table, index, entry_addr, raw, StepKind::NotPresent, 0, 0, perms};
        }
        if (!bits::test(raw, bits::P)) return fail(FaultReason::NotPresent, static_cast<int>(i), code);

        const bool leaf = l.last || (l.leaf_ok && bits::test(raw, bits::PS));
        const std::uint64_t rsvd = raw & (leaf ? l.rsvd_leaf : l.rsvd_table);
        if (rsvd) {
            if constexpr (Record) {
                s->kind = StepKind::Reserved;
                s->reserved = rsvd;
            }
            return fail(FaultReason::ReservedBit, static_cast<int>(i), code | pf::P | pf::RSVD);
        }
        if (l.has_perms) {
            perms.user = perms.user && bits::test(raw, bits::US);
            perms.writable = perms.writable && bits::test(raw, bits::RW);
            perms.executable = perms.executable && !(raw & xd_mask_);
        }
        if (!leaf) {
            table = raw & frame_table_;
            if constexpr (Record) {
                s->kind = StepKind::Table;
                s->next = table;
                s->perms = perms;
            }
            continue;
        }

        std::uint64_t frame = raw & l.frame_leaf;
        if (l.pse36) frame |= ((raw >> bits::PSE36_LOW) & (bit(pse36_bits_) - 1)) << bits::PSE36_PA_SHIFT;
        const std::uint64_t pa = frame | (va & (bit(l.shift) - 1));
        if constexpr (Record) {
            s->kind = StepKind::Leaf;
            s->next = frame;
            s->perms = perms;
        }

        // Access rights (SDM 4.6). User accesses need U/S=1 everywhere; writes need R/W=1
        // everywhere (for the supervisor only when CR0.WP=1); fetches need XD=0 everywhere.
        // A supervisor touching a user page is stopped by SMEP (fetch) or SMAP (data, AC=0).
        FaultReason denied{};
        bool deny = true;
        if (access.user && !perms.user) denied = FaultReason::SupervisorPage;
        else if (!access.user && perms.user && fetch && m_.ctl.cr4_smep) denied = FaultReason::Smep;
        else if (!access.user && perms.user && !fetch && m_.ctl.cr4_smap && !m_.ctl.rflags_ac)
            denied = FaultReason::Smap;
        else if (write && !perms.writable && (access.user || m_.ctl.cr0_wp)) denied = FaultReason::ReadOnly;
        else if (fetch && !perms.executable) denied = FaultReason::NoExecute;
        else deny = false;
        if (deny) return fail(denied, static_cast<int>(i), code | pf::P);

        if constexpr (Record) {
            w->ok = true;
            w->translation = Translation{pa, bit(l.shift), i, perms};
        }
        return pa;
    }
    return fail(FaultReason::NotPresent, -1, code);  // unreachable: the last level is a leaf
}

Walk Mmu::walk(std::uint64_t va, Access access) const {
    Walk w;
    w.va = va;
    w.access = access;
    run<true>(va, access, &w);
    return w;
}

std::uint64_t Mmu::translate(std::uint64_t va, Access access) const {
    return run<false>(va, access, nullptr);
}

Walk walk(const Machine& m, std::uint64_t va, Access access) { return Mmu(m).walk(va, access); }

std::string_view access_name(AccessType t) {
    switch (t) {
    case AccessType::Read: return "read";
    case AccessType::Write: return "write";
    case AccessType::Execute: return "instruction fetch";
    }
    return "?";
}

namespace {

// The first level whose entry takes away a right, for naming it in a fault.
template <typename Pred>
const Step* first_step(const Walk& w, Pred pred) {
    for (unsigned i = 0; i < w.step_count; ++i)
        if (pred(w.steps[i])) return &w.steps[i];
    return nullptr;
}

std::string in_entry(const Step* s, const PagingMode& mode) {
    if (!s) return "";
    return fmt::format(" in the {} (index {})", mode.level[s->level].entry, s->index);
}

}  // namespace

std::string describe(const Fault& f, const Walk& w, const PagingMode& mode) {
    const std::string who = w.access.user ? "user-mode" : "supervisor-mode";
    const std::string what = fmt::format("{} {}", who, access_name(w.access.type));
    const Step* at = f.level >= 0 ? &w.steps[static_cast<unsigned>(f.level)] : nullptr;
    switch (f.reason) {
    case FaultReason::NonCanonical: {
        if (!mode.canonical)
            return fmt::format("{:#x} does not fit in the {}-bit address space", w.va, mode.va_bits);
        return fmt::format("{:#x} is not canonical: bits 63:{} must all equal bit {} (#GP, not #PF)",
                           w.va, mode.va_bits, mode.va_bits - 1);
    }
    case FaultReason::NotPresent:
        return fmt::format("{} not present (P=0){}: nothing is mapped here", what, in_entry(at, mode));
    case FaultReason::ReservedBit:
        return fmt::format("reserved bit(s) {:#x} set{}: the entry is malformed (RSVD)",
                           at ? at->reserved : 0, in_entry(at, mode));
    case FaultReason::SupervisorPage:
        return fmt::format("{} of a supervisor page: U/S=0{}", what,
                           in_entry(first_step(w, [](const Step& s) { return !s.perms.user; }), mode));
    case FaultReason::ReadOnly:
        return fmt::format("{} to a read-only page: R/W=0{}{}", what,
                           in_entry(first_step(w, [](const Step& s) { return !s.perms.writable; }), mode),
                           w.access.user ? "" : " and CR0.WP=1");
    case FaultReason::NoExecute:
        return fmt::format("{} from a no-execute page: XD=1{}", what,
                           in_entry(first_step(w, [](const Step& s) { return !s.perms.executable; }), mode));
    case FaultReason::Smep:
        return fmt::format("{} from a user page while CR4.SMEP=1", what);
    case FaultReason::Smap:
        return fmt::format("{} of a user page while CR4.SMAP=1 and EFLAGS.AC=0", what);
    }
    return "fault";
}

std::vector<EntryUpdate> apply_accessed_dirty(Machine& m, const Walk& w) {
    std::vector<EntryUpdate> changed;
    if (!w.ok) return changed;
    for (unsigned i = 0; i < w.step_count; ++i) {
        const Step& s = w.steps[i];
        std::uint64_t v = s.raw | bit(bits::A);
        // The PAE PDPTE has no A bit (bit 5 is reserved there), so it is left alone.
        if (m.mode->level[s.level].pdpte_pae) continue;
        if (s.kind == StepKind::Leaf && w.access.type == AccessType::Write) v |= bit(bits::D);
        if (v != s.raw) {
            m.mem.write_entry(s.entry_addr, m.mode->entry_size, v);
            changed.push_back({s.level, s.entry_addr, s.raw, v});
        }
    }
    return changed;
}

}  // namespace vmtour
