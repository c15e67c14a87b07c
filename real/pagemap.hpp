// /proc/self/pagemap and /proc/kpageflags: the kernel's answers about pages and frames, as one
// 64-bit little-endian entry per virtual page (pagemap) or per physical frame (kpageflags).
// Kernel documentation: Documentation/admin-guide/mm/pagemap.rst.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vmtour {

// ---- The pagemap ABI: one entry per virtual page, at file offset (VA / 4096) * 8. ----------------
//
//   63  62  61  60 59  58  57  56  55  54 ................................................... 0
//  +---+---+---+------+---+---+---+---+-------------------------------------------------------+
//  | P | S | F | zero | G | U | E | D |  present: PFN (bits 54-0; reads 0 without CAP_SYS_ADMIN) |
//  |   |   |   |      |   |   |   |   |  swapped: swap offset (bits 54-5), swap type (bits 4-0)  |
//  +---+---+---+------+---+---+---+---+-------------------------------------------------------+
//  P present, S swapped, F file page or shared anonymous, G guard region, U userfaultfd
//  write-protected, E exclusively mapped, D soft-dirty.
namespace pagemap_abi {
inline constexpr unsigned ENTRY_BYTES = 8;
inline constexpr unsigned PFN_BITS = 55;        // bits 54..0: the page frame number, if present
inline constexpr unsigned SWAP_TYPE_BITS = 5;   // bits 4..0: swap type, if swapped
inline constexpr unsigned SWAP_OFFSET_BITS = 50;// bits 54..5: swap offset, if swapped
inline constexpr unsigned SOFT_DIRTY = 55;      // pte is soft-dirty (soft-dirty.rst)
inline constexpr unsigned EXCLUSIVE = 56;       // page exclusively mapped (since 4.2)
inline constexpr unsigned UFFD_WP = 57;         // pte is uffd-wp write-protected (since 5.13)
inline constexpr unsigned GUARD = 58;           // pte is a guard region (since 6.15)
inline constexpr unsigned FILE_SHARED = 61;     // page is a file page or shared anonymous (since 3.5)
inline constexpr unsigned SWAPPED = 62;         // page is swapped
inline constexpr unsigned PRESENT = 63;         // page is present
}  // namespace pagemap_abi

// ---- The kpageflags ABI: one entry per physical frame, at file offset PFN * 8 (root only). ------
// include/uapi/linux/kernel-page-flags.h; only the bits vmreal reports are named.
namespace kpageflags_abi {
inline constexpr unsigned COMPOUND_HEAD = 15;  // first page of a compound (multi-page) folio
inline constexpr unsigned COMPOUND_TAIL = 16;  // a later page of one
inline constexpr unsigned HUGE = 17;           // hugetlbfs page
inline constexpr unsigned THP = 22;            // transparent huge page (any anonymous large folio)
inline constexpr unsigned ZERO_PAGE = 24;      // the shared zero page or the huge zero page
}  // namespace kpageflags_abi

inline constexpr std::uint64_t PAGE_SIZE_4K = 4096;
inline constexpr unsigned PAGE_SHIFT_4K = 12;

// One decoded pagemap entry.
struct PagemapEntry {
    std::uint64_t raw = 0;

    bool bit(unsigned n) const { return (raw >> n) & 1; }
    bool present() const { return bit(pagemap_abi::PRESENT); }
    bool swapped() const { return bit(pagemap_abi::SWAPPED); }
    bool exclusive() const { return bit(pagemap_abi::EXCLUSIVE); }
    std::uint64_t pfn() const { return present() ? raw & low_bits(pagemap_abi::PFN_BITS) : 0; }
    std::uint32_t swap_type() const {
        return swapped() ? static_cast<std::uint32_t>(raw & low_bits(pagemap_abi::SWAP_TYPE_BITS)) : 0;
    }
    std::uint64_t swap_offset() const {
        return swapped() ? (raw >> pagemap_abi::SWAP_TYPE_BITS) & low_bits(pagemap_abi::SWAP_OFFSET_BITS) : 0;
    }
    // Present, yet no frame number: the kernel hid it (pagemap.rst: "Since Linux 4.2 the PFN field
    // is zeroed if the user does not have CAP_SYS_ADMIN"). PFN 0 is never a user page on x86.
    bool pfn_hidden() const { return present() && pfn() == 0; }
    // The PageFlag bits (report.hpp) this entry sets.
    std::uint32_t flags() const;

    static constexpr std::uint64_t low_bits(unsigned n) { return (std::uint64_t{1} << n) - 1; }
};

// The PageFlag bits (kThp, kHugetlb, kZeroPage) that a kpageflags entry sets.
std::uint32_t kpageflags_to_flags(std::uint64_t kpf);

// A /proc file of 8-byte entries indexed by page or frame number (pagemap, kpageflags), read with
// one checked reader: whole entries only, at 8-byte aligned offsets, many entries per pread, and a
// short or misaligned read is an error, never a silently zeroed entry.
class EntryFile {
public:
    // Entries per pread: 8192 entries (64 KiB) covers 32 MiB of address space per call.
    static constexpr std::size_t MAX_BATCH = 8192;

    EntryFile() = default;
    EntryFile(const EntryFile&) = delete;
    EntryFile& operator=(const EntryFile&) = delete;
    EntryFile(EntryFile&& other) noexcept;
    EntryFile& operator=(EntryFile&& other) noexcept;
    ~EntryFile();

    // Opens `path` read-only; on failure returns an empty file and sets `error` (errno words).
    static EntryFile open(const std::string& path, std::string& error, int& err_no);
    bool is_open() const { return fd_ >= 0; }
    const std::string& path() const { return path_; }

    // out[i] = entry(first + i). Throws RealError on any failed, short or misaligned read.
    void read(std::uint64_t first, std::span<std::uint64_t> out);
    // out[i] = entry(keys[i]) for keys in any order. Keys that are close together in the input
    // (within max_gap of the current window, which spans at most MAX_BATCH entries) share a pread:
    // holes are read and dropped, which for pagemap is cheap and for kpageflags costs per entry.
    void read_many(std::span<const std::uint64_t> keys, std::span<std::uint64_t> out, std::uint64_t max_gap);

    std::uint64_t preads() const { return preads_; }

private:
    void pread_exact(std::uint64_t first, std::uint64_t* dst, std::size_t count);
    int fd_ = -1;
    std::string path_;
    std::uint64_t preads_ = 0;
    std::vector<std::uint64_t> scratch_;  // read_many's window
};

}  // namespace vmtour
