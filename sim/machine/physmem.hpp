// Sparse simulated physical memory: only the 4 KB frames that were written exist, and every other
// byte reads as zero (an all-zero entry is "not present", as on a machine with cleared tables).
//
// Frames are found through an open-addressing hash table from a frame's physical address to its
// bytes (linear probing, at most a quarter full, so a lookup rarely probes twice). Memory is
// proportional to the frames written, wherever they are in the 2^52-frame space: 4 KB per frame
// plus 64 to 128 bytes of table. The keys and the pointers are two arrays, slot for slot, and the
// key is the frame's address as a page-table entry holds it (no shift): the walker's hot path is
// a multiply, a shift, the key's compare and the pointer's load (scripts/bench-walk.sh).
//
// At most max_frames() frames can be written (MAX_FRAMES unless set lower): a write that needs
// one more frame does nothing and returns false, so a small file cannot ask for gigabytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace vmtour {

class PhysMem {
public:
    static constexpr unsigned FRAME_SHIFT = 12;
    static constexpr std::uint64_t FRAME_SIZE = std::uint64_t{1} << FRAME_SHIFT;
    // 262144 frames = 1 GiB of page tables: far above what a real process's snapshot holds
    // (docs/machine-format.md, "Limits").
    static constexpr std::size_t MAX_FRAMES = std::size_t{1} << 18;

    PhysMem();
    ~PhysMem();
    PhysMem(PhysMem&&) noexcept;
    PhysMem& operator=(PhysMem&&) noexcept;
    PhysMem(const PhysMem&) = delete;
    PhysMem& operator=(const PhysMem&) = delete;

    // Little-endian loads and stores of naturally aligned 4- and 8-byte values.
    std::uint64_t read64(std::uint64_t pa) const {
        std::uint64_t v;
        std::memcpy(&v, frame_or_zero(pa >> FRAME_SHIFT) + (pa & (FRAME_SIZE - 1)), sizeof v);
        return v;
    }
    std::uint32_t read32(std::uint64_t pa) const {
        std::uint32_t v;
        std::memcpy(&v, frame_or_zero(pa >> FRAME_SHIFT) + (pa & (FRAME_SIZE - 1)), sizeof v);
        return v;
    }
    // An entry of `size` bytes (4 or 8).
    std::uint64_t read_entry(std::uint64_t pa, unsigned size) const {
        return size == 8 ? read64(pa) : read32(pa);
    }
    // False (and nothing written) when the write needs a new frame and max_frames() are in use.
    [[nodiscard]] bool write64(std::uint64_t pa, std::uint64_t v);
    [[nodiscard]] bool write32(std::uint64_t pa, std::uint32_t v);
    [[nodiscard]] bool write_entry(std::uint64_t pa, unsigned size, std::uint64_t v);

    bool has_frame(std::uint64_t pfn) const { return frame(pfn) != nullptr; }
    std::size_t frame_count() const { return frames_.size(); }
    std::size_t max_frames() const { return max_frames_; }
    void set_max_frames(std::size_t n) { max_frames_ = n; }
    // Bytes this memory holds on the heap (frames and the index), for tests and fuzz invariants.
    std::size_t allocated_bytes() const;

    // The frame's bytes, or nullptr if it was never written.
    const std::uint8_t* frame(std::uint64_t pfn) const {
        const std::uint8_t* f = frame_or_zero(pfn);
        return f == ZERO_FRAME ? nullptr : f;
    }
    // The frame's bytes, or ZERO_FRAME (4 KB of zeros, never written) if it was never written:
    // what a reader that only reads needs, without a test for null.
    const std::uint8_t* frame_or_zero(std::uint64_t pfn) const { return frames().find(pfn << FRAME_SHIFT); }
    static const std::uint8_t ZERO_FRAME[FRAME_SIZE];

private:
    // A key is a frame's address (its low 12 bits clear), so all ones marks an empty slot.
    static constexpr std::uint64_t EMPTY = ~std::uint64_t{0};

public:
    // The lookup of frame_or_zero as a value: a walk takes it once and keeps the arrays' addresses
    // and the shift in registers for its three or four lookups. Valid until the next write.
    class Frames {
    public:
        // The bytes of the frame at physical address `frame_pa` (low 12 bits clear), or ZERO_FRAME.
        // The first probe is the hot path (a quarter-full table rarely needs a second).
        const std::uint8_t* find(std::uint64_t frame_pa) const {
            const std::size_t i = hash(frame_pa, shift_);
            if (keys_[i] == frame_pa) [[likely]]
                return bytes_[i];
            return probe(frame_pa, i);
        }

    private:
        const std::uint8_t* probe(std::uint64_t frame_pa, std::size_t i) const {
            for (;; i = (i + 1) & mask_) {
                if (keys_[i] == frame_pa) return bytes_[i];
                if (keys_[i] == EMPTY) return ZERO_FRAME;
            }
        }

        friend class PhysMem;
        Frames(const std::uint64_t* keys, std::uint8_t* const* bytes, std::size_t mask, unsigned shift)
            : keys_(keys), bytes_(bytes), mask_(mask), shift_(shift) {}
        const std::uint64_t* keys_;
        std::uint8_t* const* bytes_;
        std::size_t mask_;
        unsigned shift_;
    };
    Frames frames() const { return Frames(keys_.get(), bytes_.get(), mask_, shift_); }

private:
    // Fibonacci hashing: the top bits of pfn * 2^64/phi spread neighbouring frames apart. The key
    // is pfn * 2^12, so the multiplier is 2^64/phi without its low 12 bits, shifted down by 12.
    static std::size_t hash(std::uint64_t frame_pa, unsigned shift) {
        return static_cast<std::size_t>((frame_pa * (0x9e3779b97f4a7c15ull >> FRAME_SHIFT)) >> shift);
    }
    std::uint8_t* frame_for_write(std::uint64_t frame_pa);
    void grow();

    std::unique_ptr<std::uint64_t[]> keys_;      // frame addresses, EMPTY where none
    std::unique_ptr<std::uint8_t*[]> bytes_;     // the frame of the key in the same slot
    std::size_t mask_ = 0;   // slot count - 1 (a power of two)
    unsigned shift_ = 0;     // 64 - log2(slot count)
    std::vector<std::unique_ptr<std::uint8_t[]>> frames_;  // owns every frame
    std::size_t max_frames_ = MAX_FRAMES;
};

}  // namespace vmtour
