// Sparse simulated physical memory: only the 4 KB frames that were written exist, and every other
// byte reads as zero (an all-zero entry is "not present", as on a machine with cleared tables).
//
// Lookups are a two-level radix: frame number >> 16 picks a chunk of 65536 frame pointers
// (256 MB of physical space), the low 16 bits pick the frame. Chunks below 1 TB sit in a vector,
// higher ones in a hash map, so the walker's hot path is three dependent loads.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace vmtour {

class PhysMem {
public:
    static constexpr unsigned FRAME_SHIFT = 12;
    static constexpr std::uint64_t FRAME_SIZE = std::uint64_t{1} << FRAME_SHIFT;

    PhysMem();
    ~PhysMem();
    PhysMem(PhysMem&&) noexcept;
    PhysMem& operator=(PhysMem&&) noexcept;
    PhysMem(const PhysMem&) = delete;
    PhysMem& operator=(const PhysMem&) = delete;

    // Little-endian loads and stores of naturally aligned 4- and 8-byte values.
    std::uint64_t read64(std::uint64_t pa) const {
        const std::uint8_t* f = frame(pa >> FRAME_SHIFT);
        std::uint64_t v = 0;
        if (f) std::memcpy(&v, f + (pa & (FRAME_SIZE - 1)), sizeof v);
        return v;
    }
    std::uint32_t read32(std::uint64_t pa) const {
        const std::uint8_t* f = frame(pa >> FRAME_SHIFT);
        std::uint32_t v = 0;
        if (f) std::memcpy(&v, f + (pa & (FRAME_SIZE - 1)), sizeof v);
        return v;
    }
    // An entry of `size` bytes (4 or 8).
    std::uint64_t read_entry(std::uint64_t pa, unsigned size) const {
        return size == 8 ? read64(pa) : read32(pa);
    }
    void write64(std::uint64_t pa, std::uint64_t v);
    void write32(std::uint64_t pa, std::uint32_t v);
    void write_entry(std::uint64_t pa, unsigned size, std::uint64_t v);

    bool has_frame(std::uint64_t pfn) const { return frame(pfn) != nullptr; }
    std::size_t frame_count() const { return frames_; }

    // The frame's bytes, or nullptr if it was never written.
    const std::uint8_t* frame(std::uint64_t pfn) const {
        const std::uint64_t top = pfn >> CHUNK_BITS;
        const Chunk* c = top < DENSE_CHUNKS ? dense_[top].get() : sparse_chunk(top);
        return c ? c->frames[pfn & (CHUNK_FRAMES - 1)] : nullptr;
    }

private:
    static constexpr unsigned CHUNK_BITS = 16;
    static constexpr std::uint64_t CHUNK_FRAMES = std::uint64_t{1} << CHUNK_BITS;
    static constexpr std::uint64_t DENSE_CHUNKS = 4096;  // 4096 chunks * 256 MB = 1 TB

    struct Chunk {
        std::array<std::uint8_t*, CHUNK_FRAMES> frames{};
    };

    const Chunk* sparse_chunk(std::uint64_t top) const;
    std::uint8_t* frame_for_write(std::uint64_t pfn);

    std::unique_ptr<std::unique_ptr<Chunk>[]> dense_;  // DENSE_CHUNKS slots: a fixed bound, one load
    std::unordered_map<std::uint64_t, std::unique_ptr<Chunk>> sparse_;
    std::vector<std::unique_ptr<std::uint8_t[]>> storage_;  // owns every frame
    std::size_t frames_ = 0;
};

}  // namespace vmtour
