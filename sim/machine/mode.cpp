#include "mode.hpp"

#include "bits.hpp"

#include <cmath>

namespace vmtour {

namespace {

//                         table   entry    shift bits large  pse   pse36  pdpte  ps_rsvd
constexpr LevelDesc PML5 = {"PML5", "PML5E", 48, 9, false, false, false, false, true};
constexpr LevelDesc PML4 = {"PML4", "PML4E", 39, 9, false, false, false, false, true};
constexpr LevelDesc PDPT = {"PDPT", "PDPTE", 30, 9, true, false, false, false, false};
constexpr LevelDesc PD = {"PD", "PDE", 21, 9, true, false, false, false, false};
constexpr LevelDesc PT = {"PT", "PTE", 12, 9, false, false, false, false, false};

// 32-bit paging (SDM 4.3): 10/10/12, 4-byte entries, 4 MB pages with CR4.PSE.
constexpr LevelDesc PD32 = {"PD", "PDE", 22, 10, true, true, true, false, false};
constexpr LevelDesc PT32 = {"PT", "PTE", 12, 10, false, false, false, false, false};
// PAE paging (SDM 4.4): a 4-entry PDPT whose entries cannot map pages.
constexpr LevelDesc PDPT_PAE = {"PDPT", "PDPTE", 30, 2, false, false, false, true, false};

constexpr PagingMode LEGACY2 = {ModeId::Legacy2, "2level", "32-bit paging (2-level)", 2,
                                {PD32, PT32}, 32, 4, false, false, 40, 0, 4096};
constexpr PagingMode PAE = {ModeId::Pae, "pae", "PAE paging (3-level)", 3,
                            {PDPT_PAE, PD, PT}, 32, 8, true, false, 40, 62, 32};
constexpr PagingMode LONG4 = {ModeId::Long4, "4level", "4-level paging (x86_64)", 4,
                              {PML4, PDPT, PD, PT}, 48, 8, true, true, 52, 51, 4096};
constexpr PagingMode LONG5 = {ModeId::Long5, "5level", "5-level paging (x86_64, LA57)", 5,
                              {PML5, PML4, PDPT, PD, PT}, 57, 8, true, true, 52, 51, 4096};

constexpr const PagingMode* ALL[] = {&LEGACY2, &PAE, &LONG4, &LONG5};

}  // namespace

long double PagingMode::flat_table_bytes() const {
    return std::ldexp(static_cast<long double>(entry_size), static_cast<int>(va_bits - bits::PAGE_SHIFT));
}

const PagingMode& mode_2level() { return LEGACY2; }
const PagingMode& mode_pae() { return PAE; }
const PagingMode& mode_4level() { return LONG4; }
const PagingMode& mode_5level() { return LONG5; }
std::span<const PagingMode* const> all_modes() { return ALL; }

const PagingMode* find_mode(std::string_view name) {
    for (const PagingMode* m : ALL)
        if (m->key == name) return m;
    if (name == "2" || name == "32bit") return &LEGACY2;
    if (name == "3") return &PAE;
    if (name == "4") return &LONG4;
    if (name == "5" || name == "la57") return &LONG5;
    return nullptr;
}

const PagingMode* mode_for_levels(unsigned levels) {
    for (const PagingMode* m : ALL)
        if (m->level_count == levels) return m;
    return nullptr;
}

}  // namespace vmtour
