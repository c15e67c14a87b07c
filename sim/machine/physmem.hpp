// Sparse simulated physical memory: only the 4 KB frames that were written exist, and every other
// byte reads as zero (an all-zero entry is "not present", as on a machine with cleared tables).
//
// Frames are found through an open-addressing hash table from frame number to the frame's bytes
// (linear probing, at most a quarter full, so a lookup rarely probes twice). Memory is
// proportional to the frames written, wherever they are in the 2^52-frame space: 4 KB per frame
// plus 64 to 128 bytes of table. The walker's hot path is a multiply, the slot's load (key and
// pointer side by side) and the entry's load.
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
    const std::uint8_t* frame_or_zero(std::uint64_t pfn) const {
        for (std::size_t i = slot_of(pfn);; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.key == pfn) return s.bytes;
            if (s.key == EMPTY) return ZERO_FRAME;
        }
    }
    static const std::uint8_t ZERO_FRAME[FRAME_SIZE];

private:
    // Frame numbers have at most 52 bits, so all ones marks an empty slot.
    static constexpr std::uint64_t EMPTY = ~std::uint64_t{0};
    struct Slot {
        std::uint64_t key = EMPTY;  // the frame number
        std::uint8_t* bytes = nullptr;
    };

public:
    // The lookup of frame_or_zero as a value: a walk takes it once and keeps the table's address,
    // mask and shift in registers for its three or four lookups. Valid until the next write.
    class Frames {
    public:
        const std::uint8_t* find(std::uint64_t pfn) const {
            const Slot* s = slots_ + hash(pfn, shift_);
            for (;;) {
                if (s->key == pfn) return s->bytes;
                if (s->key == EMPTY) return ZERO_FRAME;
                s = s == last_ ? slots_ : s + 1;
            }
        }

    private:
        friend class PhysMem;
        Frames(const Slot* slots, std::size_t mask, unsigned shift) : slots_(slots), last_(slots + mask), shift_(shift) {}
        const Slot* slots_;
        const Slot* last_;
        unsigned shift_;
    };
    Frames frames() const { return Frames(slots_.get(), mask_, shift_); }

private:
    // Fibonacci hashing: the top bits of pfn * 2^64/phi spread neighbouring frames apart.
    static std::size_t hash(std::uint64_t pfn, unsigned shift) {
        return static_cast<std::size_t>((pfn * 0x9e3779b97f4a7c15ull) >> shift);
    }
    std::size_t slot_of(std::uint64_t pfn) const { return hash(pfn, shift_); }
    std::uint8_t* frame_for_write(std::uint64_t pfn);
    void grow();

    std::unique_ptr<Slot[]> slots_;
    std::size_t mask_ = 0;   // slot count - 1 (a power of two)
    unsigned shift_ = 0;     // 64 - log2(slot count)
    std::vector<std::unique_ptr<std::uint8_t[]>> frames_;  // owns every frame
    std::size_t max_frames_ = MAX_FRAMES;
};

}  // namespace vmtour
