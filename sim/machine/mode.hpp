// The four x86 paging modes as data. One descriptor per mode (levels, index bits, entry size,
// which levels may hold a leaf, the names the Intel SDM uses); the walker, the builder, the cost
// model and the memory map read these descriptors and never branch on a mode's name.
//
// Intel SDM Vol. 3A, chapter 4 ("Paging"): 4.3 32-bit paging, 4.4 PAE paging, 4.5 4-level and
// 5-level paging.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vmtour {

struct LevelDesc {
    std::string_view table;  // the table this level indexes: "PML5", "PML4", "PDPT", "PD", "PT"
    std::string_view entry;  // its entries: "PML5E", "PML4E", "PDPTE", "PDE", "PTE"
    unsigned shift;          // lowest virtual-address bit of this level's index
    unsigned bits;           // width of the index
    bool large_leaf;         // an entry with PS=1 maps a page here (2 MB, 4 MB or 1 GB)
    bool needs_pse;          // ... but only when CR4.PSE=1 (32-bit paging's 4 MB pages)
    bool pse36;              // a 4 MB leaf carries physical bits 39:32 in entry bits 20:13 (PSE-36)
    bool pdpte_pae;          // PAE PDPTE: only P, PWT and PCD exist; bits 2:1 and 8:5 are reserved
    bool ps_reserved;        // bit 7 must be 0 (PML5E, PML4E)

    std::uint64_t entries() const { return std::uint64_t{1} << bits; }
    // Size of the region one entry of this level covers (the page size if it is a leaf).
    std::uint64_t entry_span() const { return std::uint64_t{1} << shift; }
    // The index this level takes from a virtual address.
    unsigned index(std::uint64_t va) const {
        return static_cast<unsigned>((va >> shift) & ((std::uint64_t{1} << bits) - 1));
    }
};

enum class ModeId { Legacy2, Pae, Long4, Long5 };

struct PagingMode {
    ModeId id;
    std::string_view key;    // "2level", "pae", "4level", "5level": the machine file's and --levels' name
    std::string_view title;  // "32-bit paging (2-level)"
    unsigned level_count;    // 2, 3, 4, 5
    std::array<LevelDesc, 5> level;  // level[0] is the one CR3 points at
    unsigned va_bits;        // 32, 32, 48, 57
    unsigned entry_size;     // bytes: 4 in 32-bit paging, 8 otherwise
    bool has_xd;             // entries have XD (bit 63) when EFER.NXE=1
    bool canonical;          // 64-bit: bits above va_bits-1 must copy bit va_bits-1 (else #GP)
    unsigned default_maxphyaddr;
    unsigned rsvd_top;       // entry bits rsvd_top..MAXPHYADDR are reserved: 62 in PAE, 51 in 64-bit
                             // (where 62:52 are ignored); 0 in 32-bit paging (4-byte entries)
    unsigned cr3_align;      // the top table's alignment: 4096, or 32 for the PAE PDPT

    std::span<const LevelDesc> levels() const { return {level.data(), level_count}; }
    const LevelDesc& top() const { return level[0]; }
    const LevelDesc& bottom() const { return level[level_count - 1]; }
    // Bytes in one table of a level (a page, except the 32-byte PAE PDPT).
    std::uint64_t table_bytes(unsigned lvl) const { return level[lvl].entries() * entry_size; }
    // Largest virtual address + 1 (2^32, 2^48, 2^57); in 64-bit modes the upper half is sign-extended.
    std::uint64_t va_limit() const { return std::uint64_t{1} << va_bits; }
    bool is_canonical(std::uint64_t va) const {
        if (!canonical) return va < va_limit();
        // Bits 63..va_bits-1 must all be equal (SDM 3.3.7.1).
        const std::uint64_t upper = va >> (va_bits - 1);
        return upper == 0 || upper == (~std::uint64_t{0} >> (va_bits - 1));
    }
    // Bytes of a single-level ("flat") table mapping the whole space with 4 KB pages.
    long double flat_table_bytes() const;
};

const PagingMode& mode_2level();
const PagingMode& mode_pae();
const PagingMode& mode_4level();
const PagingMode& mode_5level();
std::span<const PagingMode* const> all_modes();

// "2level" / "pae" / "4level" / "5level" (also "2", "3", "4", "5", "32bit", "la57").
const PagingMode* find_mode(std::string_view name);
// --levels 2|3|4|5 (3 is PAE).
const PagingMode* mode_for_levels(unsigned levels);

}  // namespace vmtour
