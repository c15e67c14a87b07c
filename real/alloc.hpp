// The memory vmreal translates: many separate 4 KiB blocks (-b 4K) or one block (-b 1G), each page
// touched before it is translated. docs/vmreal.md, "How -b 4K allocates", says why the default
// 4K allocator is a page pool and not aligned_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace vmtour {

enum class BlockMode { Pages4K, Big };          // -b 4K | -b 1G
enum class ThpAdvice { Default, On, Off };      // --thp: leave the system policy, MADV_HUGEPAGE, MADV_NOHUGEPAGE
enum class Touch { Write, Read, None };         // --touch
inline const char* touch_name(Touch t) { return t == Touch::Write ? "write" : t == Touch::Read ? "read" : "none"; }
enum class Allocator { Pool, Libc };            // --allocator (4K mode)

struct AllocRequest {
    BlockMode mode = BlockMode::Big;
    std::uint64_t size = 0;  // bytes, a whole number of 4 KiB pages
    ThpAdvice thp = ThpAdvice::Default;
    bool populate = false;   // fault everything in when it is mapped
    bool mlock = false;      // lock it in memory (which also faults it in)
    Allocator allocator = Allocator::Pool;
};

// A page-granular allocator: allocate() hands out one page-aligned 4 KiB block, release() takes one
// back, and its bookkeeping lives outside the pages (a bump pointer per arena and a free list), so
// n blocks cost n pages. Arenas of 2 MiB come from mmap, aligned to 2 MiB so that one transparent
// huge page can back a whole arena.
class PagePool {
public:
    static constexpr std::size_t ARENA_BYTES = std::size_t{2} << 20;

    PagePool(ThpAdvice thp, bool populate, bool mlock) : thp_(thp), populate_(populate), mlock_(mlock) {}
    PagePool(const PagePool&) = delete;
    PagePool& operator=(const PagePool&) = delete;
    ~PagePool();

    std::byte* allocate();       // throws RealError when mmap fails
    void release(std::byte* page);
    std::size_t arenas() const { return arenas_.size(); }

private:
    ThpAdvice thp_;
    bool populate_, mlock_;
    std::vector<std::byte*> arenas_;
    std::size_t used_in_last_ = 0;   // pages handed out from arenas_.back()
    std::vector<std::byte*> free_;
};

// Maps `bytes` of anonymous private memory at an `align`-aligned address, applies the THP advice,
// then populates and locks as asked, in the order that lets the advice take effect.
std::byte* map_aligned(std::size_t bytes, std::size_t align, ThpAdvice thp, bool populate, bool mlock);

// The memory under test. Page i of the experiment (and line i of the output) is page_va(i).
class Allocation {
public:
    virtual ~Allocation() = default;
    std::size_t page_count() const { return count_; }
    virtual std::uint64_t page_va(std::size_t i) const = 0;
    // True when page i is at first_va() + i * 4 KiB for all i (one block).
    virtual bool one_block() const = 0;
    std::uint64_t first_va() const { return page_va(0); }
    // Gets the memory (mmap, the pool or malloc); bookkeeping was sized by the constructor.
    virtual void acquire() = 0;
    virtual void touch(Touch how) = 0;
    virtual std::string_view describe() const = 0;  // "one 2 MiB-aligned block", "4K blocks from a page pool"

protected:
    explicit Allocation(std::size_t count) : count_(count) {}
    std::size_t count_;
};

// Sizes the bookkeeping (the 4K mode's pointer array) without allocating the memory itself, so
// the caller can read VmPTE in between. Throws RealError on impossible combinations.
std::unique_ptr<Allocation> make_allocation(const AllocRequest& request);

}  // namespace vmtour
