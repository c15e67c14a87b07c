#include "walk.hpp"

#include "bits.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace vmtour {

using bits::bit;
using bits::range;

std::uint64_t Machine::root() const {
    const unsigned hi = mode->canonical ? std::min(maxphyaddr(), 52u) - 1 : 31;
    const unsigned lo = mode->cr3_align == 32 ? 5 : bits::PAGE_SHIFT;
    return ctl.cr3 & range(hi, lo);
}

std::uint64_t Machine::cr3_reserved() const {
    if (!mode->canonical) return 0;
    return ctl.cr3 & range(ctl.cr4_pcide ? 62 : 63, maxphyaddr());
}

// The MOV to CR3 (SDM 4.4.1, 4.5.2): reserved CR3 bits make it fail with #GP(0); in PAE paging it
// also loads the four PDPTEs into registers, and a present PDPTE with a reserved bit (2:1, 8:5,
// 63:MAXPHYADDR; a PDPTE has no XD) fails it the same way. Walks then use the registers.
void Mmu::load_cr3() {
    if (const std::uint64_t bad = m_.cr3_reserved()) {
        load_ok_ = false;
        load_fault_.fault = Fault{FaultReason::Cr3Reserved, true, 0, -1, bad};
        return;
    }
    if (!lv_[0].from_register) return;
    for (unsigned i = 0; i < pdpte_.size(); ++i) {
        const std::uint64_t addr = root_ + i * 8;
        pdpte_[i] = m_.mem.read64(addr);
        const std::uint64_t rsvd = pdpte_[i] & lv_[0].rsvd_table;
        if (!bits::test(pdpte_[i], bits::P) || !rsvd || !load_ok_) continue;
        load_ok_ = false;
        load_fault_.step_count = 1;
        load_fault_.steps[0] = Step{0, root_, i, addr, pdpte_[i], StepKind::Reserved, 0, rsvd, Perms{}};
        load_fault_.fault = Fault{FaultReason::PdpteReserved, true, 0, 0, rsvd};
    }
}

std::uint64_t Mmu::top_entry(unsigned index) const {
    if (lv_[0].from_register) return pdpte_[index & 3];
    return m_.mem.read_entry(root_ + std::uint64_t{index} * mode_.entry_size, mode_.entry_size);
}

Mmu::Mmu(const Machine& m) : m_(m), mode_(*m.mode), levels_(m.mode->level_count), root_(m.root()) {
    const unsigned maxphy = m.maxphyaddr();
    const bool wide = mode_.entry_size == 8;
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
        const bool last = i + 1 == mode_.level_count;
        l.pse36 = d.pse36;
        l.no_perms = d.pdpte_pae ? bit(bits::RW) | bit(bits::US) : 0;
        l.from_register = d.pdpte_pae;
        if (last) l.leaf_test = bit(bits::P);
        else if (d.large_leaf && (!d.needs_pse || m.ctl.cr4_pse)) l.leaf_test = bit(bits::PS);
        else l.leaf_test = 0;
        l.rsvd_table = rsvd_phys | rsvd_xd;
        if (d.ps_reserved) l.rsvd_table |= bit(bits::PS);
        if (d.pdpte_pae) {
            l.rsvd_table = range(63, maxphy);
            for (unsigned b : bits::PDPTE_RSVD_LOW) l.rsvd_table |= bit(b);
        }
        if (last) {
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
    load_cr3();
    pick_fast();
}

// The walk (SDM 4.3-4.6). One loop for every mode: each level reads one entry, stops on P=0 or a
// reserved bit, and either ends at a leaf or moves to the next table. Rights are gathered as bits:
// R/W and U/S ANDed over the levels, XD ORed, and judged after the leaf, as on the CPU.
// Record=false drops the trace; EntrySize (4 or 8) is a template argument so the load is fixed.
template <bool Record, unsigned EntrySize>
std::uint64_t Mmu::run(std::uint64_t va, Access access, Walk* w) const {
    auto fail = [&](FaultReason reason, int level, std::uint32_t code) {
        if constexpr (Record) {
            w->ok = false;
            w->fault = Fault{reason, reason == FaultReason::NonCanonical, code, level, 0};
        }
        return NO_TRANSLATION;
    };
    auto perms_of = [&](std::uint64_t and_bits, std::uint64_t or_bits) {
        return Perms{bits::test(and_bits, bits::US), bits::test(and_bits, bits::RW), !(or_bits & xd_mask_)};
    };
    if (!load_ok_) [[unlikely]] {
        if constexpr (Record) {
            const Walk keep = *w;
            *w = load_fault_;
            w->va = keep.va;
            w->access = keep.access;
        }
        return NO_TRANSLATION;
    }
    if (!mode_.is_canonical(va)) return fail(FaultReason::NonCanonical, -1, 0);

    const PhysMem& mem = m_.mem;
    std::uint64_t table = root_;
    std::uint64_t and_bits = ~std::uint64_t{0};
    std::uint64_t or_bits = 0;
    const Level* l = lv_.data();
    for (unsigned i = 0; i < levels_; ++i, ++l) {
        const unsigned index = static_cast<unsigned>((va >> l->shift) & l->index_mask);
        const std::uint64_t entry_addr = table + std::uint64_t{index} * EntrySize;
        std::uint64_t raw;
        if (EntrySize == 8 && l->from_register) raw = pdpte_[index];
        else raw = EntrySize == 8 ? mem.read64(entry_addr) : mem.read32(entry_addr);
        Step* s = nullptr;
        if constexpr (Record) {
            s = &w->steps[w->step_count++];
            *s = Step{i, table, index, entry_addr, raw, StepKind::NotPresent, 0, 0, perms_of(and_bits, or_bits)};
        }
        // The error code's W/R, U/S and I/D bits describe the access, whatever the fault.
        auto code = [&] {
            std::uint32_t c = (access.type == AccessType::Write ? pf::WR : 0) | (access.user ? pf::US : 0);
            if (access.type == AccessType::Execute && (xd_mask_ || m_.ctl.cr4_smep)) c |= pf::ID;
            return c;
        };
        if (!bits::test(raw, bits::P)) return fail(FaultReason::NotPresent, static_cast<int>(i), code());

        const bool leaf = raw & l->leaf_test;
        const std::uint64_t rsvd = raw & (leaf ? l->rsvd_leaf : l->rsvd_table);
        if (rsvd) {
            if constexpr (Record) {
                s->kind = StepKind::Reserved;
                s->reserved = rsvd;
            }
            return fail(FaultReason::ReservedBit, static_cast<int>(i), code() | pf::P | pf::RSVD);
        }
        and_bits &= raw | l->no_perms;
        or_bits |= raw;
        if (!leaf) {
            table = raw & frame_table_;
            if constexpr (Record) {
                s->kind = StepKind::Table;
                s->next = table;
                s->perms = perms_of(and_bits, or_bits);
            }
            continue;
        }

        std::uint64_t frame = raw & l->frame_leaf;
        if (l->pse36) frame |= ((raw >> bits::PSE36_LOW) & (bit(pse36_bits_) - 1)) << bits::PSE36_PA_SHIFT;
        const std::uint64_t pa = frame | (va & (bit(l->shift) - 1));
        const Perms perms = perms_of(and_bits, or_bits);
        if constexpr (Record) {
            s->kind = StepKind::Leaf;
            s->next = frame;
            s->perms = perms;
        }

        // Access rights (SDM 4.6), with U/S and R/W the AND over all levels and XD the OR:
        //
        //   who    page (U/S)   read        write                    fetch
        //   user   user         ok          R/W=1                    XD=0
        //   user   supervisor   #PF         #PF                      #PF
        //   super  supervisor   ok          R/W=1 or CR0.WP=0        XD=0
        //   super  user         SMAP=0|AC   (SMAP=0|AC) and          SMEP=0 and XD=0
        //                                   (R/W=1 or CR0.WP=0)
        //
        // The checks below go down this table in order; the first refusal names the fault.
        const bool write = access.type == AccessType::Write;
        const bool fetch = access.type == AccessType::Execute;
        FaultReason denied{};
        bool deny = true;
        if (access.user && !perms.user) denied = FaultReason::SupervisorPage;
        else if (!access.user && perms.user && fetch && m_.ctl.cr4_smep) denied = FaultReason::Smep;
        else if (!access.user && perms.user && !fetch && m_.ctl.cr4_smap && !m_.ctl.rflags_ac)
            denied = FaultReason::Smap;
        else if (write && !perms.writable && (access.user || m_.ctl.cr0_wp)) denied = FaultReason::ReadOnly;
        else if (fetch && !perms.executable) denied = FaultReason::NoExecute;
        else deny = false;
        if (deny) return fail(denied, static_cast<int>(i), code() | pf::P);

        if constexpr (Record) {
            w->ok = true;
            w->translation = Translation{pa, bit(l->shift), i, perms};
        }
        return pa;
    }
    return NO_TRANSLATION;  // unreachable: the last level's leaf_test is P
}

Walk Mmu::walk(std::uint64_t va, Access access) const {
    Walk w;
    w.va = va;
    w.access = access;
    if (mode_.entry_size == 8) run<true, 8>(va, access, &w);
    else run<true, 4>(va, access, &w);
    return w;
}

std::uint64_t Mmu::slow(const Mmu& mmu, std::uint64_t va, Access access, WalkPath*) {
    return mmu.mode_.entry_size == 8 ? mmu.run<false, 8>(va, access, nullptr) : mmu.run<false, 4>(va, access, nullptr);
}

std::uint64_t Mmu::none(const Mmu&, std::uint64_t, Access, WalkPath*) { return NO_TRANSLATION; }

// Explicit instantiations for walk_fast.cpp, whose fast path falls back to them.
template std::uint64_t Mmu::run<false, 4>(std::uint64_t, Access, Walk*) const;
template std::uint64_t Mmu::run<false, 8>(std::uint64_t, Access, Walk*) const;

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
    case FaultReason::Cr3Reserved:
        return fmt::format("CR3 reserved bits {:#x} set: the MOV to CR3 failed (SDM 4.5.2)", f.reserved);
    case FaultReason::PdpteReserved:
        return fmt::format("PDPTE {} has reserved bits {:#x}: the MOV to CR3 failed (SDM 4.4.1)",
                           at ? at->index : 0, f.reserved);
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
            if (!m.mem.write_entry(s.entry_addr, m.mode->entry_size, v)) continue;  // never: the frame exists
            changed.push_back({s.level, s.entry_addr, s.raw, v});
        }
    }
    return changed;
}

}  // namespace vmtour
