#include "model_walk.hpp"

#include "bits.hpp"

#include <algorithm>

namespace vmtour {

namespace {

using bits::bit;
using bits::range;

// The #PF error code's access bits (SDM 4.7): W/R, U/S, and I/D when NXE or SMEP is on.
std::uint32_t access_code(const Machine& m, const Access& a) {
    std::uint32_t c = (a.type == AccessType::Write ? pf::WR : 0) | (a.user ? pf::US : 0);
    const bool xd_exists = m.mode->has_xd && m.ctl.efer_nxe;
    if (a.type == AccessType::Execute && (xd_exists || m.ctl.cr4_smep)) c |= pf::ID;
    return c;
}

bool reserved_in_truth(const Walk& truth, unsigned level, std::uint64_t addr) {
    for (unsigned i = 0; i < truth.step_count; ++i)
        if (truth.steps[i].level == level && truth.steps[i].entry_addr == addr)
            return truth.steps[i].kind == StepKind::Reserved;
    return false;
}

// The rights decision of SDM 4.6, in the Mmu's order (walk.cpp has the truth table).
bool refused(const Machine& m, const Access& a, bool user, bool writable, bool executable, const Knobs& k) {
    const bool write = a.type == AccessType::Write, fetch = a.type == AccessType::Execute;
    const bool smep = k.smep_smap && m.ctl.cr4_smep;
    const bool smap = k.smep_smap && m.ctl.cr4_smap && !m.ctl.rflags_ac;
    const bool wp = k.wp ? m.ctl.cr0_wp : !m.ctl.cr0_wp;
    if (a.user && !user) return true;
    if (!a.user && user && fetch && smep) return true;
    if (!a.user && user && !fetch && smap) return true;
    if (write && !writable && (a.user || wp)) return true;
    return fetch && !executable;
}

}  // namespace

ModelWalk model_walk(const Machine& m, const Walk& truth, const Knobs& k) {
    const PagingMode& mode = *m.mode;
    const Access a = truth.access;
    ModelWalk out;
    std::uint64_t va = truth.va;
    if (!mode.is_canonical(va)) {
        if (k.canonical || !mode.canonical) {
            out.answer = Answer{AnswerKind::GeneralProtection, 0, 0};
            return out;
        }
        // A walker without the check uses bits va_bits-1..0 and never looks higher.
        va &= mode.va_limit() - 1;
    }
    const unsigned maxphy = m.maxphyaddr();
    const unsigned phys_hi = mode.entry_size == 8 ? maxphy - 1 : 31;
    const unsigned esize = mode.entry_size;
    const bool xd_exists = mode.has_xd && m.ctl.efer_nxe;
    std::uint64_t table = m.root();
    bool user = true, writable = true, xd = false;
    const std::uint32_t code = access_code(m, a);
    auto fault = [&](std::uint32_t c) {
        out.answer = Answer{AnswerKind::PageFault, c, 0};
        return out;
    };
    for (unsigned i = 0; i < mode.level_count; ++i) {
        const LevelDesc& d = mode.level[i];
        const unsigned width = (k.index_bits && i > 0) ? k.index_bits : d.bits;
        unsigned index = static_cast<unsigned>((va >> d.shift) & (bit(width) - 1));
        if (k.force_level == static_cast<int>(i)) index = k.force_index;
        const std::uint64_t addr = table + std::uint64_t{index} * (k.entry_scale ? k.entry_scale : esize);
        const std::uint64_t raw = m.mem.read_entry(addr, esize);
        const bool last = i + 1 == mode.level_count;
        const bool ps_ok = d.large_leaf && k.honour_ps && (!d.needs_pse || m.ctl.cr4_pse || !k.ps_needs_cr4);
        const bool leaf = last || (ps_ok && bits::test(raw, bits::PS));
        out.steps.push_back(ModelStep{i, addr, raw, leaf});
        if (!bits::test(raw, bits::P)) return fault(code);
        // Which bits are reserved depends on whether the entry is a leaf: a model that takes a
        // large leaf for a table (or the other way) does not see the truth's reserved bits there.
        const bool truth_leaf = last || (d.large_leaf && (!d.needs_pse || m.ctl.cr4_pse) && bits::test(raw, bits::PS));
        if (k.reserved && leaf == truth_leaf && reserved_in_truth(truth, i, addr))
            return fault(code | pf::P | pf::RSVD);
        if (!d.pdpte_pae) {
            const bool u = bits::test(raw, bits::US), w = bits::test(raw, bits::RW);
            user = (k.and_us ? user : true) && u;
            writable = (k.and_rw ? writable : true) && w;
        }
        if (xd_exists && bits::test(raw, bits::XD)) xd = true;
        if (!leaf) {
            table = raw & range(phys_hi, bits::PAGE_SHIFT);
            continue;
        }
        std::uint64_t frame = raw & range(phys_hi, d.shift);
        if (d.pse36 && k.pse36) {
            const unsigned extra = std::clamp(maxphy, 32u, 40u) - 32;
            frame |= ((raw >> bits::PSE36_LOW) & (bit(extra) - 1)) << bits::PSE36_PA_SHIFT;
        }
        const bool executable = !(xd && k.xd);
        if (refused(m, a, user, writable, executable, k)) return fault(code | pf::P);
        out.answer = Answer{AnswerKind::Address, frame | (va & (bit(d.shift) - 1)), 0};
        return out;
    }
    return out;
}

}  // namespace vmtour
