// The TLB's invalidations (SDM 4.10.4.1; tlb.hpp lists what each one drops): INVLPG, MOV to
// CR3 with and without PCID and its no-flush bit, CR4.PGE and CR4.PCIDE changes, INVPCID types
// 0 to 3; and `set`, which writes an entry and invalidates nothing.
#include "tlb_impl.hpp"

#include <fmt/format.h>

namespace vmtour {

using bits::bit;

namespace {

constexpr std::uint64_t CR3_NOFLUSH = bit(63);     // MOV to CR3 with PCIDE=1: keep entries (4.10.4.1)
constexpr std::uint64_t CR3_PCID = bit(12) - 1;    // CR3[11:0] is the PCID when CR4.PCIDE=1 (4.10.1)

}  // namespace

void Tlb::invlpg(std::uint64_t va) {
    ++stats_.invlpg;
    const unsigned pcid = pcid_;
    impl_->drop_va_tlb(va, static_cast<std::uint16_t>(pcid));
    impl_->drop_psc([&](const PscEntry& x) { return x.pcid == pcid; });
}

std::string Tlb::write_cr3(std::uint64_t value) {
    if (!pcide_ && (value & CR3_NOFLUSH)) return "CR3 bit 63 is reserved while CR4.PCIDE=0 (#GP)";
    ++stats_.cr3_writes;
    const bool keep = pcide_ && (value & CR3_NOFLUSH);
    value &= ~CR3_NOFLUSH;  // bit 63 is not stored in CR3
    m_.ctl.cr3 = value;
    impl_->mmu = std::make_unique<Mmu>(m_);
    pcid_ = pcide_ ? static_cast<unsigned>(value & CR3_PCID) : 0;
    if (keep) {
        ++stats_.cr3_noflush;
        return {};
    }
    const unsigned pcid = pcid_;
    impl_->drop_tlb([&](const Entry& x) { return !x.global && x.pcid == pcid; });
    impl_->drop_psc([&](const PscEntry& x) { return x.pcid == pcid; });
    return {};
}

void Tlb::set_pge(bool on) {
    ++stats_.cr4_writes;
    if (on == pge_) return;
    pge_ = on;
    impl_->drop_tlb([](const Entry&) { return true; });
    impl_->drop_psc([](const PscEntry&) { return true; });
}

std::string Tlb::set_pcide(bool on) {
    if (on == pcide_) return {};
    if (on) {
        if (!m_.mode->canonical) return fmt::format("CR4.PCIDE=1 needs 64-bit paging; this machine uses {}", m_.mode->title);
        if (m_.ctl.cr3 & CR3_PCID) return "CR4.PCIDE=1 needs CR3[11:0] = 0 (#GP)";
        ++stats_.cr4_writes;
        pcide_ = true;
        return {};
    }
    ++stats_.cr4_writes;
    pcide_ = false;
    pcid_ = 0;
    impl_->drop_tlb([](const Entry&) { return true; });
    impl_->drop_psc([](const PscEntry&) { return true; });
    return {};
}

std::string Tlb::invpcid(unsigned type, unsigned pcid, std::uint64_t va) {
    if (type > 3) return fmt::format("INVPCID type {} does not exist (0-3; #GP)", type);
    if (pcid > CR3_PCID) return fmt::format("PCID {:#x} does not fit in 12 bits", pcid);
    if (!pcide_ && pcid != 0 && type <= 1) return "INVPCID of a PCID other than 0 while CR4.PCIDE=0 (#GP)";
    ++stats_.invpcid;
    Impl& s = *impl_;
    switch (type) {
    case 0:  // one address of one PCID, global translations kept
        s.drop_tlb([&](const Entry& x) { return !x.global && x.pcid == pcid && x.vpn == va >> x.shift; });
        s.drop_psc([&](const PscEntry& x) { return x.pcid == pcid; });
        break;
    case 1:  // one PCID
        s.drop_tlb([&](const Entry& x) { return !x.global && x.pcid == pcid; });
        s.drop_psc([&](const PscEntry& x) { return x.pcid == pcid; });
        break;
    case 2:  // everything
        s.drop_tlb([](const Entry&) { return true; });
        s.drop_psc([](const PscEntry&) { return true; });
        break;
    case 3:  // every PCID, global translations kept
        s.drop_tlb([](const Entry& x) { return !x.global; });
        s.drop_psc([](const PscEntry&) { return true; });
        break;
    }
    return {};
}

bool Tlb::write_entry(std::uint64_t pa, std::uint64_t value) {
    ++stats_.sets;
    return m_.mem.write_entry(pa, m_.mode->entry_size, value);
}

}  // namespace vmtour
