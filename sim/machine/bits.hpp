// Paging-structure entry bits, with the Intel SDM's names (Vol. 3A, 4.3-4.5, tables 4-4 to 4-20).
// Every other file names these bits; none of them spells a hex mask of its own.
//
//   63  62..52  51..M   M-1 .. 12        11..9  8  7      6  5  4   3   2   1   0
//  +--+-------+-------+----------------+------+--+------+--+--+---+---+---+---+--+
//  |XD|ignored|rsvd(0)| frame / table  | avl  |G |PS/PAT|D |A |PCD|PWT|U/S|R/W|P |
//  +--+-------+-------+----------------+------+--+------+--+--+---+---+---+---+--+
//
// In a large leaf (PS=1: a 2 MB, 4 MB or 1 GB page) PAT moves to bit 12, and the bits between 12
// and the page size are reserved (except PSE-36's bits 20:13 in a 32-bit 4 MB PDE).
// 32-bit paging's entries are 4 bytes: bits 31..0 only, no XD.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace vmtour::bits {

inline constexpr unsigned P = 0;         // present
inline constexpr unsigned RW = 1;        // read/write: writes allowed if 1
inline constexpr unsigned US = 2;        // user/supervisor: user-mode accesses allowed if 1
inline constexpr unsigned PWT = 3;       // page-level write-through
inline constexpr unsigned PCD = 4;       // page-level cache disable
inline constexpr unsigned A = 5;         // accessed
inline constexpr unsigned D = 6;         // dirty (leaves only)
inline constexpr unsigned PS = 7;        // page size (directory entries): this entry is a leaf
inline constexpr unsigned PAT_4K = 7;    // PAT (in a 4 KB PTE the same bit is PAT)
inline constexpr unsigned G = 8;         // global (leaves only)
inline constexpr unsigned PAT_LARGE = 12;  // PAT in a 2 MB / 4 MB / 1 GB leaf
inline constexpr unsigned XD = 63;       // execute-disable (PAE and 64-bit, with EFER.NXE=1)

// Bits the SDM leaves to software ("Ignored" in tables 4-4 to 4-20): 11:9 in every entry, and
// 62:52 in 64-bit entries (62:59 are protection keys only with CR4.PKE, which vmtour does not
// model; 58:52 always ignored). Linux uses some: bit 9 special, 11 soft-dirty on x86_64, 58 devmap
// (arch/x86/include/asm/pgtable_types.h, _PAGE_BIT_SOFTW1..4).
inline constexpr unsigned AVL_LOW = 9;
inline constexpr unsigned AVL_HIGH = 11;
inline constexpr unsigned AVL64_LOW = 52;
inline constexpr unsigned AVL64_HIGH = 62;
// In an entry that points to a table, D (bit 6) and G (bit 8) are ignored as well (tables 4-5,
// 4-11, 4-15, 4-17, 4-19), and so is PS (bit 7) in a 32-bit PDE when CR4.PSE=0 (table 4-5).

inline constexpr unsigned PAGE_SHIFT = 12;
inline constexpr std::uint64_t PAGE_SIZE = std::uint64_t{1} << PAGE_SHIFT;

// PSE-36 (SDM table 4-4): a 4 MB PDE holds physical bits (M-1):32 in its bits (M-20):13.
inline constexpr unsigned PSE36_LOW = 13;
inline constexpr unsigned PSE36_PA_SHIFT = 32;
// PAE PDPTE (SDM table 4-8): bits 2:1 and 8:5 are reserved.
inline constexpr unsigned PDPTE_RSVD_LOW[] = {1, 2, 5, 6, 7, 8};

constexpr std::uint64_t bit(unsigned n) { return std::uint64_t{1} << n; }
// Bits hi..lo inclusive; empty when hi < lo.
constexpr std::uint64_t range(unsigned hi, unsigned lo) {
    if (hi < lo) return 0;
    const std::uint64_t upto = hi >= 63 ? ~std::uint64_t{0} : (bit(hi + 1) - 1);
    return upto & ~(bit(lo) - 1);
}
constexpr bool test(std::uint64_t v, unsigned n) { return (v >> n) & 1; }

// One table for printing and parsing entry flags ("p,rw,us,xd").
struct FlagName {
    std::string_view name;   // as the machine file and the JSON write it: "rw"
    std::string_view label;  // as the SDM writes it: "R/W"
    unsigned bit;
};
inline constexpr FlagName FLAG_NAMES[] = {
    {"p", "P", P},       {"rw", "R/W", RW}, {"us", "U/S", US}, {"pwt", "PWT", PWT},
    {"pcd", "PCD", PCD}, {"a", "A", A},     {"d", "D", D},     {"ps", "PS", PS},
    {"g", "G", G},       {"pat", "PAT", PAT_4K}, {"xd", "XD", XD},
};

}  // namespace vmtour::bits
