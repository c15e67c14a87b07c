#include "pagemap.hpp"

#include "error.hpp"
#include "report.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace vmtour {

std::string errno_text(int err) { return std::strerror(err); }

std::uint32_t PagemapEntry::flags() const {
    namespace abi = pagemap_abi;
    std::uint32_t f = 0;
    if (bit(abi::PRESENT)) f |= kPresent;
    if (bit(abi::SWAPPED)) f |= kSwapped;
    if (bit(abi::FILE_SHARED)) f |= kFileShared;
    if (bit(abi::EXCLUSIVE)) f |= kExclusive;
    if (bit(abi::SOFT_DIRTY)) f |= kSoftDirty;
    if (bit(abi::UFFD_WP)) f |= kUffdWp;
    if (bit(abi::GUARD)) f |= kGuard;
    return f;
}

std::uint32_t kpageflags_to_flags(std::uint64_t kpf) {
    namespace abi = kpageflags_abi;
    std::uint32_t f = 0;
    if ((kpf >> abi::THP) & 1) f |= kThp;
    if ((kpf >> abi::HUGE) & 1) f |= kHugetlb;
    if ((kpf >> abi::ZERO_PAGE) & 1) f |= kZeroPage;
    return f;
}

EntryFile::EntryFile(EntryFile&& other) noexcept { *this = std::move(other); }

EntryFile& EntryFile::operator=(EntryFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        path_ = std::move(other.path_);
        preads_ = other.preads_;
        scratch_ = std::move(other.scratch_);
        other.fd_ = -1;
    }
    return *this;
}

EntryFile::~EntryFile() {
    if (fd_ >= 0) ::close(fd_);
}

EntryFile EntryFile::open(const std::string& path, std::string& error, int& err_no) {
    EntryFile f;
    f.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd_ < 0) {
        err_no = errno;
        error = fmt::format("cannot open {}: {}", path, errno_text(err_no));
        return f;
    }
    f.path_ = path;
    return f;
}

void EntryFile::pread_exact(std::uint64_t first, std::uint64_t* dst, std::size_t count) {
    constexpr std::uint64_t E = pagemap_abi::ENTRY_BYTES;
    if (first > static_cast<std::uint64_t>(INT64_MAX) / E)
        throw RealError(fmt::format("{}: entry {:#x} is beyond the file", path_, first));
    auto* bytes = reinterpret_cast<char*>(dst);
    std::size_t want = count * E;
    auto offset = static_cast<off_t>(first * E);
    while (want > 0) {
        const ssize_t got = ::pread(fd_, bytes, want, offset);
        ++preads_;
        if (got < 0) {
            if (errno == EINTR) continue;
            throw RealError(fmt::format("reading {} at offset {:#x}: {}", path_, offset, errno_text(errno)));
        }
        if (got == 0)
            throw RealError(fmt::format("reading {} at offset {:#x}: the file ended {} entries early", path_,
                                        offset, want / E));
        if (static_cast<std::uint64_t>(got) % E != 0)
            throw RealError(fmt::format("reading {}: a read of {} bytes is not a whole number of {}-byte entries",
                                        path_, got, E));
        bytes += got;
        want -= static_cast<std::size_t>(got);
        offset += got;
    }
}

void EntryFile::read(std::uint64_t first, std::span<std::uint64_t> out) {
    for (std::size_t done = 0; done < out.size(); done += MAX_BATCH) {
        const std::size_t n = std::min(MAX_BATCH, out.size() - done);
        pread_exact(first + done, out.data() + done, n);
    }
}

void EntryFile::read_many(std::span<const std::uint64_t> keys, std::span<std::uint64_t> out,
                          std::uint64_t max_gap) {
    if (scratch_.size() < MAX_BATCH) scratch_.resize(MAX_BATCH);
    std::size_t start = 0;        // keys[start..i) are waiting for the window [lo, hi)
    std::uint64_t lo = 0, hi = 0;
    auto flush = [&](std::size_t end) {
        if (start == end) return;
        pread_exact(lo, scratch_.data(), static_cast<std::size_t>(hi - lo));
        for (std::size_t j = start; j < end; ++j) out[j] = scratch_[keys[j] - lo];
        start = end;
    };
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::uint64_t k = keys[i];
        if (start < i) {
            // Join the window if k is near it (either side) and the window stays one batch.
            const std::uint64_t new_lo = std::min(lo, k), new_hi = std::max(hi, k + 1);
            const bool near = (k + 1 + max_gap >= lo) && (k <= hi + max_gap);
            if (near && new_hi - new_lo <= MAX_BATCH) {
                lo = new_lo;
                hi = new_hi;
                continue;
            }
            flush(i);
        }
        lo = k;
        hi = k + 1;
    }
    flush(keys.size());
}

}  // namespace vmtour
