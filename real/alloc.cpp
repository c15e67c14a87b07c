#include "alloc.hpp"

#include "error.hpp"
#include "pagemap.hpp"
#include "parse.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older C libraries lack the name
#endif

namespace vmtour {

namespace {

std::string mlock_hint(int err) {
    if (err == ENOMEM || err == EPERM || err == EAGAIN)
        return " (the locked-memory limit is too low: run as root, or raise `ulimit -l`)";
    return "";
}

// mlock(2) as a raw system call: AddressSanitizer's mlock interceptor does nothing, and a locked
// page must really be locked (and faulted in) for --mlock to show what it does.
int lock_memory(void* p, std::size_t bytes) { return static_cast<int>(::syscall(SYS_mlock, p, bytes)); }

[[noreturn]] void fail(const std::string& what, int err, const std::string& hint = "") {
    throw RealError(fmt::format("{}: {}{}", what, errno_text(err), hint));
}

}  // namespace

std::byte* map_aligned(std::size_t bytes, std::size_t align, ThpAdvice thp, bool populate, bool mlock) {
    // Reserve bytes + align of address space, then map the aligned part over it and give back the
    // rest: mmap itself only promises page alignment.
    void* reserve = ::mmap(nullptr, bytes + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserve == MAP_FAILED) fail(fmt::format("cannot reserve {} bytes of address space", bytes + align), errno);
    const auto start = reinterpret_cast<std::uintptr_t>(reserve);
    const std::uintptr_t aligned = (start + align - 1) & ~static_cast<std::uintptr_t>(align - 1);

    // MAP_POPULATE faults the pages in inside mmap, before any madvise could apply; with a THP
    // advice the pages are populated afterwards with MADV_POPULATE_WRITE instead.
    const bool populate_now = populate && thp == ThpAdvice::Default;
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | (populate_now ? MAP_POPULATE : 0);
    void* p = ::mmap(reinterpret_cast<void*>(aligned), bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED) {
        const int err = errno;
        ::munmap(reserve, bytes + align);
        fail(fmt::format("cannot map {} bytes", bytes), err);
    }
    if (aligned > start) ::munmap(reserve, aligned - start);
    const std::uintptr_t end = aligned + bytes, reserve_end = start + bytes + align;
    if (reserve_end > end) ::munmap(reinterpret_cast<void*>(end), reserve_end - end);

    if (thp != ThpAdvice::Default &&
        ::madvise(p, bytes, thp == ThpAdvice::On ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0)
        fail(thp == ThpAdvice::On ? "madvise(MADV_HUGEPAGE)" : "madvise(MADV_NOHUGEPAGE)", errno,
             errno == EINVAL ? " (is the kernel built without transparent huge pages?)" : "");
    if (populate && !populate_now && ::madvise(p, bytes, MADV_POPULATE_WRITE) != 0)
        fail("madvise(MADV_POPULATE_WRITE) for --populate", errno, errno == EINVAL ? " (needs Linux 5.14)" : "");
    if (mlock && lock_memory(p, bytes) != 0) fail(fmt::format("mlock of {} bytes", bytes), errno, mlock_hint(errno));
    return static_cast<std::byte*>(p);
}

PagePool::~PagePool() {
    for (std::byte* a : arenas_) ::munmap(a, ARENA_BYTES);
}

std::byte* PagePool::allocate() {
    if (!free_.empty()) {
        std::byte* p = free_.back();
        free_.pop_back();
        return p;
    }
    if (arenas_.empty() || used_in_last_ == ARENA_BYTES / PAGE_SIZE_4K) {
        arenas_.reserve(arenas_.size() + 1);  // so a throw below cannot leak the new arena
        arenas_.push_back(map_aligned(ARENA_BYTES, ARENA_BYTES, thp_, populate_, mlock_));
        used_in_last_ = 0;
    }
    return arenas_.back() + PAGE_SIZE_4K * used_in_last_++;
}

void PagePool::release(std::byte* page) { free_.push_back(page); }

namespace {

inline void touch_page(std::byte* p, Touch how) {
    if (how == Touch::Write) *reinterpret_cast<volatile unsigned char*>(p) = 1;
    else if (how == Touch::Read) (void)*reinterpret_cast<volatile const unsigned char*>(p);
    // Touch::None: mapped, never touched: the kernel has not faulted a frame in (demand paging).
}

// -b 1G: one block of `size` bytes, 2 MiB aligned so transparent huge pages can back it.
class BigBlock final : public Allocation {
public:
    explicit BigBlock(const AllocRequest& r) : Allocation(r.size / PAGE_SIZE_4K), req_(r) {}
    ~BigBlock() override {
        if (base_) ::munmap(base_, req_.size);
    }
    std::uint64_t page_va(std::size_t i) const override {
        return reinterpret_cast<std::uintptr_t>(base_) + i * PAGE_SIZE_4K;
    }
    bool one_block() const override { return true; }
    void acquire() override {
        base_ = map_aligned(req_.size, PagePool::ARENA_BYTES, req_.thp, req_.populate, req_.mlock);
    }
    void touch(Touch how) override {
        for (std::size_t i = 0; i < count_; ++i) touch_page(base_ + i * PAGE_SIZE_4K, how);
    }
    std::string_view describe() const override { return "one block, 2 MiB aligned"; }

private:
    AllocRequest req_;
    std::byte* base_ = nullptr;
};

// -b 4K: one separate 4 KiB allocation per page, held in a pointer array.
class PageBlocks final : public Allocation {
public:
    explicit PageBlocks(const AllocRequest& r)
        : Allocation(r.size / PAGE_SIZE_4K), req_(r), blocks_(count_, nullptr),
          pool_(r.thp, r.populate, r.mlock) {}
    ~PageBlocks() override {
        // Pool blocks go with the pool's arenas; malloc's are given back one by one.
        if (req_.allocator == Allocator::Libc)
            for (std::byte* b : blocks_) std::free(b);
    }
    std::uint64_t page_va(std::size_t i) const override { return reinterpret_cast<std::uintptr_t>(blocks_[i]); }
    bool one_block() const override { return false; }
    void acquire() override {
        for (std::byte*& b : blocks_) {
            if (req_.allocator == Allocator::Pool) {
                b = pool_.allocate();
                continue;
            }
            void* p = nullptr;
            if (const int err = ::posix_memalign(&p, PAGE_SIZE_4K, PAGE_SIZE_4K); err != 0)
                fail("posix_memalign(4096, 4096)", err);
            b = static_cast<std::byte*>(p);
            if (req_.mlock && lock_memory(p, PAGE_SIZE_4K) != 0) fail("mlock of a 4K block", errno, mlock_hint(errno));
        }
    }
    void touch(Touch how) override {
        for (std::byte* b : blocks_) touch_page(b, how);
    }
    std::string_view describe() const override {
        return req_.allocator == Allocator::Pool ? "separate 4K blocks from a page pool"
                                                 : "separate 4K blocks from posix_memalign";
    }

private:
    AllocRequest req_;
    std::vector<std::byte*> blocks_;
    PagePool pool_;
};

}  // namespace

std::unique_ptr<Allocation> make_allocation(const AllocRequest& r) {
    if (r.size == 0 || r.size % PAGE_SIZE_4K != 0)
        throw RealError(fmt::format("the size must be a whole number of 4K pages, not {}", r.size), EXIT_USAGE);
    if (r.size > SIZE_MAX - PagePool::ARENA_BYTES)  // a 32-bit vmreal; below that, mmap decides
        throw RealError(fmt::format("-m {}: more than a {}-bit process can address", format_size(r.size),
                                    8 * sizeof(void*)),
                        EXIT_USAGE);
    if (r.mode == BlockMode::Big) return std::make_unique<BigBlock>(r);
    if (r.allocator == Allocator::Libc && (r.thp != ThpAdvice::Default || r.populate))
        throw RealError("--thp and --populate need --allocator pool: malloc decides where its blocks live",
                        EXIT_USAGE);
    return std::make_unique<PageBlocks>(r);
}

}  // namespace vmtour
